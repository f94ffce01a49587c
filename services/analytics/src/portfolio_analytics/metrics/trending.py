"""``GET /metrics/trending``: topics (from events' ``props.topics``) and search queries whose count
in a recent window rose most against the window of the same length just before it.

``today``: the last 24 hours (hourly sets) against the 24 before; any other range (a preset or
``from``/``to``): its UTC days (daily sets, closed months from their roll-ups) against the range of
the same length just before. ``ratio = (recent + 1) / (baseline + 1)`` (the +1 keeps
a brand-new item from dividing by zero and damps tiny counts); items seen fewer than
``MIN_RECENT`` times in the window are not trends, nor is ``(other)`` (the new items of full sets).
Two round trips: the window's top items
(and the month roll-ups a long range needs), then their baseline scores.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from portfolio_analytics import keys
from portfolio_analytics.events.intake import iso
from portfolio_analytics.metrics.filters import TRENDING_PANELS, filter_fields, queue_since
from portfolio_analytics.metrics.periods import DateRange, TopReads, execute
from portfolio_analytics.metrics.ranges import MetricsQuery, Split, queue_rollups, split

MIN_RECENT = 2
#: Candidates read from the window before ranking by ratio.
CANDIDATES = 200


def windows(period: DateRange, now_ms: int, name: str, prefix: str) -> tuple[list[str], list[str]]:
    """The recent window's keys and the baseline window's keys for set ``name``."""
    if period.hourly:
        hours = keys.hours_back(now_ms, 48)
        sets = [keys.hour_set(prefix, hour, name) for hour in hours]
        return sets[24:], sets[:24]
    recent, baseline = _splits(period, now_ms)
    return recent.set_sources(prefix, name), baseline.set_sources(prefix, name)


def _splits(period: DateRange, now_ms: int) -> tuple[Split, Split]:
    return split(period.days, now_ms), split(period.previous().days, now_ms)


def trend_candidates(rows: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return [(member, count) for member, count in rows if count >= MIN_RECENT and member != keys.OTHER]


async def trending(redis: Redis, prefix: str, query: MetricsQuery) -> dict[str, Any]:
    period, now_ms, limit, retention, flt = query.fields()
    names = ("topics", "queries")
    scope = flt.scope(prefix) if flt is not None else prefix
    spans = [windows(period, now_ms, name, scope) for name in names]
    state: dict[str, Any] = {}

    def build(pipe: Pipeline) -> None:
        splits = () if period.hourly else _splits(period, now_ms)
        state["skip"] = queue_rollups(pipe, scope, splits, retention, now_ms)
        tops = state["tops"] = TopReads(pipe, scope)
        for recent, _ in spans:
            tops.top(recent, CANDIDATES)
        queue_since(pipe, prefix, flt)
        # Queued after the reads, so take_all() and filter_fields() below see only theirs first.
        state["baselines"] = [tops.merged_key(baseline) for _, baseline in spans]

    replies = await execute(redis, build)
    del replies[: state["skip"]]
    candidates = state["tops"].take_all(replies)
    filtered = filter_fields(replies, flt, period, None, TRENDING_PANELS)
    baselines: list[str] = state["baselines"]

    async with redis.pipeline(transaction=False) as pipe:
        for rows, baseline in zip(candidates, baselines, strict=True):
            wanted = [member for member, count in trend_candidates(rows)]
            pipe.zmscore(baseline, wanted or ["\x00"])
        # A baseline of several keys is a merged temporary key; one key is read as it is.
        merged = [key for key, (_, sources) in zip(baselines, spans, strict=True) if len(sources) > 1]
        if merged:
            pipe.delete(*merged)
        scores: list[Any] = await pipe.execute()

    result: dict[str, Any] = {
        "period": period.period,
        "from": period.first,
        "to": period.last,
        "generatedAt": iso(now_ms),
        **filtered,
    }
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
