"""Who is on the site now: visitors seen in the last 5 minutes and the page each is on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from redis.asyncio import Redis

from portfolio_analytics import keys

ACTIVE_WINDOW_MS = 5 * 60 * 1000
#: Pages listed in a snapshot (the busiest first).
TOP_PAGES = 20


async def realtime_snapshot(redis: Redis, prefix: str, now_ms: float) -> dict[str, Any]:
    """``{"activeUsers": int, "currentPages": [{"path", "visitors"}, ...]}`` at ``now_ms``.

    One round trip. ``{p}:active:page`` only holds visitors the writer has not swept yet, so it
    is filtered by the active set rather than trusted.
    """
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zrangebyscore(keys.active(prefix), int(now_ms - ACTIVE_WINDOW_MS), "+inf")
        pipe.hgetall(keys.active_pages(prefix))
        active, pages = await pipe.execute()
    return snapshot_of(active, pages)


def snapshot_of(active: list[str], pages: Mapping[str, str]) -> dict[str, Any]:
    """The snapshot from the active visitors and the visitor → page hash."""
    counts = Counter(pages[visitor] for visitor in active if visitor in pages)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_PAGES]
    return {
        "activeUsers": len(active),
        "currentPages": [{"path": path, "visitors": visitors} for path, visitors in ranked],
    }
