"""``GET /metrics/summary`` and ``/metrics/popular``: the dashboard's figures for a range of days.

One Redis round trip: per day of the range its counters and visitors (``days_read.lua``), one
``PFCOUNT`` over its visitor HyperLogLogs (the union: unique visitors of the range), one per hour
for ``today``, the top members of its daily sorted sets (merged in Redis: period keys for the
presets, month roll-ups and edge days otherwise, see ``ranges.py``), the realtime snapshot (counted
in Redis) and, when the previous range of the same length is still retained, its counters,
visitors and series for the comparison.

Unique visitors over several days: the visitor id changes with the daily salt, so a visitor who
came on three days of the period counts three times (as in other cookieless counters); within a
day the count is exact up to the HyperLogLog's ~0.8 % standard error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from portfolio_analytics import keys
from portfolio_analytics.events.intake import iso
from portfolio_analytics.metrics.filters import (
    POPULAR_PANELS,
    SUMMARY_PANELS,
    filter_fields,
    queue_since,
)
from portfolio_analytics.metrics.periods import DateRange, execute, is_retained
from portfolio_analytics.metrics.ranges import (
    MetricsQuery,
    RangeTops,
    Retention,
    queue_days,
    queue_rollups,
    take_days,
)
from portfolio_analytics.metrics.realtime import queue_snapshot, snapshot_of

COUNTERS = (
    "pageviews",
    "visits",
    "bounces",
    "duration_ms",
    "engaged_ms",
    "engagements",
    "searches",
    "searches_clicked",
    "clicks",
)
#: Page views per hour in a day's counter hash, for ``today``'s time series.
HOUR_FIELDS = tuple(f"pv:{hour:02d}" for hour in range(24))
#: The sorted sets the summary ranks, in the order they are read.
SUMMARY_SETS = ("pages", "referrers", "countries", "cities", "papers:viewed", "papers:shared", "queries")
#: Visit panels added by issue 18: (set, section, list, member's JSON name).
PANELS = (
    ("entry", None, "entryPages", "path"),
    ("exit", None, "exitPages", "path"),
    ("utm:source", "utm", "sources", "source"),
    ("utm:medium", "utm", "mediums", "medium"),
    ("utm:campaign", "utm", "campaigns", "campaign"),
    ("browsers", "devices", "browsers", "browser"),
    ("oses", "devices", "operatingSystems", "os"),
    ("devices", "devices", "deviceClasses", "device"),
)
#: The figures compared with the previous period (``comparison``), by their JSON name.
FIGURES = (
    "pageViews",
    "uniqueVisitors",
    "visits",
    "bounceRate",
    "visitDuration",
    "averageTimeOnPage",
    "searches",
    "clickThroughRate",
)


def _ratio(part: int, whole: int, digits: int = 4) -> float:
    return round(part / whole, digits) if whole else 0.0


def _mean_seconds(total_ms: int, count: int) -> float:
    return round(total_ms / count / 1000, 3) if count else 0.0


def _sum_counters(hashes: Iterable[Mapping[str, int]]) -> dict[str, int]:
    totals = dict.fromkeys(COUNTERS, 0)
    for counters in hashes:
        for name in COUNTERS:
            totals[name] += int(counters.get(name, 0))
    return totals


@dataclass
class _RangeRead:
    """What one range's read gave back: per day (counters, visitors), the union's visitors, and
    for an hourly range the visitors of each of its 24 hours."""

    period: DateRange
    days: list[tuple[dict[str, int], int]]
    unique: int
    hour_visitors: list[int] | None

    @property
    def totals(self) -> dict[str, int]:
        return _sum_counters(counters for counters, _ in self.days)

    def figures(self) -> dict[str, float]:
        totals = self.totals
        return {
            "pageViews": totals["pageviews"],
            "uniqueVisitors": self.unique,
            "visits": totals["visits"],
            "bounceRate": _ratio(totals["bounces"], totals["visits"]),
            "visitDuration": _mean_seconds(totals["duration_ms"], totals["visits"]),
            "averageTimeOnPage": _mean_seconds(totals["engaged_ms"], totals["engagements"]),
            "searches": totals["searches"],
            "clickThroughRate": _ratio(totals["searches_clicked"], totals["searches"]),
        }

    def points(self) -> list[dict[str, Any]]:
        if self.hour_visitors is not None:
            counters = self.days[-1][0]
            day = self.period.last
            return [
                {"t": f"{day}T{hour:02d}:00:00Z", "pageViews": counters[field], "visitors": visitors}
                for hour, (field, visitors) in enumerate(zip(HOUR_FIELDS, self.hour_visitors, strict=True))
            ]
        return [
            {"t": day, "pageViews": counters["pageviews"], "visitors": visitors}
            for day, (counters, visitors) in zip(self.period.days, self.days, strict=True)
        ]


def _change(current: float, previous: float) -> dict[str, Any]:
    difference = current - previous
    return {
        "current": current,
        "previous": previous,
        # Relative change; none against nothing (a rise from 0 has no percentage).
        "change": round(difference / previous, 4) if previous else None,
        "difference": round(difference, 4),
    }


def comparison(current: _RangeRead, previous: _RangeRead | None) -> dict[str, Any] | None:
    """Each figure now, in the previous period, and the change; None when that period is no longer
    retained."""
    if previous is None:
        return None
    now, before = current.figures(), previous.figures()
    return {
        "from": previous.period.first,
        "to": previous.period.last,
        **{name: _change(now[name], before[name]) for name in FIGURES},
    }


def queue_range(pipe: Pipeline, prefix: str, tops: RangeTops, period: DateRange) -> None:
    """Queue one range's per-day read, its unique visitors and (hourly) its hours' visitors."""
    queue_days(pipe, prefix, period.days, COUNTERS + HOUR_FIELDS if period.hourly else COUNTERS)
    tops.unique()
    if period.hourly:
        for hour in range(24):
            pipe.pfcount(keys.hour_visitors(prefix, f"{period.last}T{hour:02d}"))


def take_range(replies: list[Any], period: DateRange) -> _RangeRead:
    days = take_days(replies.pop(0), COUNTERS + HOUR_FIELDS if period.hourly else COUNTERS)
    unique = RangeTops.take_unique(replies)
    hours = [int(replies.pop(0)) for _ in range(24)] if period.hourly else None
    return _RangeRead(period, days, unique, hours)


def _ranges(period: DateRange, now_ms: int, retention: Retention) -> list[DateRange]:
    """The range and, when it is still retained, the previous one of the same length."""
    previous = period.previous()
    return [period, previous] if is_retained(previous, now_ms, retention.days) else [period]


async def summary(redis: Redis, prefix: str, query: MetricsQuery) -> dict[str, Any]:
    """The summary in DESIGN.md's shape (see the service README for each figure's definition);
    with a filter, every panel but realtime from that filter value's copy of the aggregates."""
    period, now_ms, limit, retention, flt = query.fields()
    ranges = _ranges(period, now_ms, retention)
    scope = flt.scope(prefix) if flt is not None else prefix
    state: dict[str, Any] = {}

    def build(pipe: Pipeline) -> None:
        tops = [RangeTops(pipe, scope, each, now_ms, periods=flt is None) for each in ranges]
        state["tops"] = tops
        state["skip"] = queue_rollups(pipe, scope, [each.split for each in tops], retention, now_ms)
        for each, each_tops in zip(ranges, tops, strict=True):
            queue_range(pipe, scope, each_tops, each)
        for name in SUMMARY_SETS + tuple(panel[0] for panel in PANELS):
            tops[0].top(name, limit)
        queue_snapshot(pipe, prefix, now_ms)
        queue_since(pipe, prefix, flt)

    replies = await execute(redis, build)
    del replies[: state["skip"]]
    reads = [take_range(replies, each) for each in ranges]
    pages, referrers, countries, cities, viewed, shared, queries = (
        state["tops"][0].take_top(replies, name, limit) for name in SUMMARY_SETS
    )
    panels: dict[str, Any] = {"utm": {}, "devices": {}}
    for name, section, field, label in PANELS:
        rows = [{label: member, "visits": n} for member, n in state["tops"][0].take_top(replies, name, limit)]
        (panels[section] if section else panels)[field] = rows
    realtime = snapshot_of(replies.pop(0))
    current = reads[0]
    previous = reads[1] if len(reads) > 1 else None
    figures = current.figures()
    filtered = filter_fields(replies, flt, period, previous.period if previous else None, SUMMARY_PANELS)
    return {
        "period": period.period,
        "from": period.first,
        "to": period.last,
        "generatedAt": iso(now_ms),
        **filtered,
        "pageViews": {
            "total": figures["pageViews"],
            "unique": figures["uniqueVisitors"],
            "byPage": [{"path": path, "views": views} for path, views in pages],
        },
        "visits": figures["visits"],
        "bounceRate": figures["bounceRate"],
        "visitDuration": figures["visitDuration"],
        "referrers": [{"source": source, "visits": n} for source, n in referrers],
        "papers": {
            "mostViewed": [{"id": paper, "views": n} for paper, n in viewed],
            "mostShared": [{"id": paper, "shares": n} for paper, n in shared],
            "averageTimeOnPage": figures["averageTimeOnPage"],
        },
        "searches": {
            "total": figures["searches"],
            "topQueries": [{"query": query, "count": n} for query, n in queries],
            "clickThroughRate": figures["clickThroughRate"],
        },
        "geography": {
            "countries": [{"country": country, "visits": n} for country, n in countries],
            "cities": [
                {"country": place.split("/", 1)[0], "city": place.split("/", 1)[1], "visits": n}
                for place, n in cities
            ],
        },
        **panels,
        "realtime": realtime,
        "timeseries": {
            "interval": "hour" if period.hourly else "day",
            "points": current.points(),
            # The previous period's points, index for index (the chart's faint line); None when it
            # is no longer retained.
            "previous": previous.points() if previous is not None else None,
        },
        "comparison": comparison(current, previous),
    }


async def popular(redis: Redis, prefix: str, query: MetricsQuery) -> dict[str, Any]:
    """The most viewed papers of the period with their shares, and the most viewed pages."""
    period, now_ms, limit, retention, flt = query.fields()
    reads: Sequence[tuple[str, int]] = (("papers:viewed", limit), ("papers:shared", 1000), ("pages", limit))
    scope = flt.scope(prefix) if flt is not None else prefix
    state: dict[str, Any] = {}

    def build(pipe: Pipeline) -> None:
        tops = state["tops"] = RangeTops(pipe, scope, period, now_ms, periods=flt is None)
        state["skip"] = queue_rollups(pipe, scope, [tops.split], retention, now_ms)
        for name, n in reads:
            tops.top(name, n)
        queue_since(pipe, prefix, flt)

    replies = await execute(redis, build)
    del replies[: state["skip"]]
    viewed, shared, pages = (state["tops"].take_top(replies, name, n) for name, n in reads)
    shares = dict(shared)
    return {
        "period": period.period,
        "from": period.first,
        "to": period.last,
        "generatedAt": iso(now_ms),
        **filter_fields(replies, flt, period, None, POPULAR_PANELS),
        "papers": [{"id": paper, "views": views, "shares": shares.get(paper, 0)} for paper, views in viewed],
        "pages": [{"path": path, "views": views} for path, views in pages],
    }
