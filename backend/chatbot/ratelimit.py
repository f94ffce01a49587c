"""The chatbot's per-visitor rate limit (a :class:`core_lib.ratelimit.FixedWindow`)."""

from __future__ import annotations

from django.conf import settings

from core_lib.ratelimit import FixedWindow


def check(visitor: str) -> None:
    """Count one question for ``visitor``; raise ``RateLimited`` (429, Retry-After) over the limit."""
    FixedWindow(
        "chatbot",
        int(settings.CHATBOT_RATE_LIMIT),
        int(settings.CHATBOT_RATE_WINDOW_SECONDS),
        message="Too many questions; try again shortly.",
    ).hit(visitor)
