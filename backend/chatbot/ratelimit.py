"""The chatbot's per-visitor rate limit: a fixed window counter in Redis (Django's cache).

A fixed window is one ``INCR`` per question and needs no script; its one weakness, a burst of up
to twice the limit across a window boundary, costs nothing that matters here. Redis failing lets
questions through (logged): the limit protects the budget, and an outage of it should not take the
chatbot down.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

from portfolio_shared.errors import RateLimited

logger = logging.getLogger(__name__)


def check(visitor: str) -> None:
    """Count one question for ``visitor``; raise :class:`RateLimited` (429, Retry-After) over the limit."""
    window = int(settings.CHATBOT_RATE_WINDOW_SECONDS)
    now = time.time()
    key = f"chatbot:rate:{visitor}:{int(now // window)}"
    try:
        cache.add(key, 0, window + 1)
        count = cache.incr(key)
    except (RedisError, ValueError):
        logger.warning("chatbot rate limit unavailable; letting the question through", exc_info=True)
        return
    if count > settings.CHATBOT_RATE_LIMIT:
        retry_after = max(1, int(window - now % window) + 1)
        raise RateLimited(
            "Too many questions; try again shortly.",
            retry_after=retry_after,
            details={"limit": settings.CHATBOT_RATE_LIMIT, "window_seconds": window},
        )
