"""``GET /metrics/trending``: topics (from events' ``props.topics``) and search queries whose count
in a recent window rose most against the window of the same length just before it.

``today``: the last 24 hours (hourly sets) against the 24 before; ``7d``/``30d``: the last 7/30 UTC
days (daily sets) against the 7/30 before. ``ratio = (recent + 1) / (baseline + 1)`` (the +1 keeps
a brand-new item from dividing by zero and damps tiny counts); items seen fewer than
``MIN_RECENT`` times in the window are not trends, nor is ``(other)`` (the new items of full sets).
Two round trips: the window's top items,
then their baseline scores.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from portfolio_analytics import keys
from portfolio_analytics.events.intake import iso
from portfolio_analytics.metrics.periods import PERIOD_DAYS, TopReads

MIN_RECENT = 2
#: Candidates read from the window before ranking by ratio.
CANDIDATES = 200


def windows(period: str, now_ms: int, name: str, prefix: str) -> tuple[list[str], list[str]]:
    """The recent window's keys and the baseline window's keys for set ``name``."""
    if period == "today":
        hours = keys.hours_back(now_ms, 48)
        sets = [keys.hour_set(prefix, hour, name) for hour in hours]
        return sets[24:], sets[:24]
    span = PERIOD_DAYS[period]
    days = keys.days_back(now_ms, 2 * span)
    sets = [keys.day_set(prefix, day, name) for day in days]
    return sets[span:], sets[:span]


def trend_candidates(rows: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return [(member, count) for member, count in rows if count >= MIN_RECENT and member != keys.OTHER]


async def trending(redis: Redis, prefix: str, period: str, now_ms: int, limit: int = 10) -> dict[str, Any]:
    names = ("topics", "queries")
    async with redis.pipeline(transaction=False) as pipe:
        tops = TopReads(pipe, prefix)
        spans = [windows(period, now_ms, name, prefix) for name in names]
        for recent, _ in spans:
            tops.top(recent, CANDIDATES)
        # Queued after the reads, so take_all() below sees only theirs first.
        baselines = [tops.merged_key(baseline) for _, baseline in spans]
        replies: list[Any] = await pipe.execute()
    candidates = tops.take_all(replies)

    async with redis.pipeline(transaction=False) as pipe:
        for rows, baseline in zip(candidates, baselines, strict=True):
            wanted = [member for member, count in trend_candidates(rows)]
            pipe.zmscore(baseline, wanted or ["\x00"])
        # Baselines span 24 hours or 7+ days, so they are always merged temporary keys.
        pipe.delete(*baselines)
        scores: list[Any] = await pipe.execute()

    result: dict[str, Any] = {"period": period, "generatedAt": iso(now_ms)}
    for index, (name, rows) in enumerate(zip(names, candidates, strict=True)):
        members = trend_candidates(rows)
        baseline_scores = scores[index] if members else []
        ranked: list[tuple[float, int, int, str]] = []
        for (member, count), base in zip(members, baseline_scores, strict=True):
            before = int(base or 0)
            ranked.append((round((count + 1) / (before + 1), 2), count, before, member))
        ranked.sort(key=lambda row: (-row[0], -row[1], row[3]))
        label = "topic" if name == "topics" else "query"
        result[name] = [
            {label: member, "count": count, "baseline": before, "ratio": ratio}
            for ratio, count, before, member in ranked[:limit]
        ]
    return result
