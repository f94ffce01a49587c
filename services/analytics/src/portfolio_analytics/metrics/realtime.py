"""Who is on the site now: visitors seen in the last 5 minutes and the page each is on."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from portfolio_analytics.metrics.periods import ReadScript, execute

ACTIVE_WINDOW_MS = 5 * 60 * 1000
#: Pages listed in a snapshot (the busiest first).
TOP_PAGES = 20
#: Counts the active visitors' pages in Redis: only the top pages come back, however many visit.
REALTIME_READ = ReadScript("realtime.lua")


def queue_snapshot(pipe: Pipeline, prefix: str, now_ms: float) -> None:
    """Queue the snapshot's read on ``pipe`` (run it with :func:`execute`)."""
    REALTIME_READ.queue(pipe, prefix, int(now_ms - ACTIVE_WINDOW_MS), TOP_PAGES)


def snapshot_of(reply: list[Any]) -> dict[str, Any]:
    """``{"activeUsers": int, "currentPages": [{"path", "visitors"}, ...]}`` from the read's reply."""
    return {
        "activeUsers": int(reply[0]),
        "currentPages": [
            {"path": path, "visitors": int(visitors)}
            for path, visitors in zip(reply[1::2], reply[2::2], strict=True)
        ],
    }


async def realtime_snapshot(redis: Redis, prefix: str, now_ms: float) -> dict[str, Any]:
    """The snapshot at ``now_ms``, in one round trip."""
    replies = await execute(redis, lambda pipe: queue_snapshot(pipe, prefix, now_ms))
    return snapshot_of(replies[0])
