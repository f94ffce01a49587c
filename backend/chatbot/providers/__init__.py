"""Answer providers: ``extractive`` (offline, default) and ``vertex`` (Gemini), per ``LLM_PROVIDER``."""

from __future__ import annotations

from django.conf import settings

from chatbot.providers import vertex
from chatbot.providers.base import Answer, Citation, Provider
from chatbot.providers.extractive import ExtractiveProvider

__all__ = ["Answer", "Citation", "Provider", "get_provider"]


def get_provider() -> Provider:
    """The provider ``CHATBOT_PROVIDER`` names."""
    if settings.CHATBOT_PROVIDER == "vertex":
        options = settings.CHATBOT_VERTEX
        return vertex.VertexProvider(
            project=options["project"],
            location=options["location"],
            model=options["model"],
            base_url=options["base_url"],
            deadline=settings.CHATBOT_LLM_DEADLINE_SECONDS,
            credentials=vertex.default_credentials(),
        )
    return ExtractiveProvider()
