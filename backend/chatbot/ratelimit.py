"""The chatbot's per-visitor rate limit (a :class:`config.ratelimit.FixedWindow`)."""

from __future__ import annotations

from django.conf import settings

from config.ratelimit import FixedWindow


def check(visitor: str) -> None:
    """Count one question for ``visitor``; raise ``RateLimited`` (429, Retry-After) over the limit."""
    FixedWindow(
        "chatbot",
        int(settings.CHATBOT_RATE_LIMIT),
        int(settings.CHATBOT_RATE_WINDOW_SECONDS),
        message="Too many questions; try again shortly.",
    ).hit(visitor)
