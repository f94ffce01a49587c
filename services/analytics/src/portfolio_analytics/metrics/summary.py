"""``GET /metrics/summary`` and ``/metrics/popular``: the dashboard's figures for a period.

One Redis round trip: the period's daily counter hashes, one ``PFCOUNT`` over its daily
HyperLogLogs (the union: unique visitors of the period), one per day (or per hour for today) for
the time series, the top members of its daily sorted sets (merged in Redis) and the realtime
snapshot (counted in Redis).

Unique visitors over several days: the visitor id changes with the daily salt, so a visitor who
came on three days of the period counts three times (as in other cookieless counters); within a
day the count is exact up to the HyperLogLog's ~0.8 % standard error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from portfolio_analytics import keys
from portfolio_analytics.events.intake import iso
from portfolio_analytics.metrics.periods import PeriodReads, execute, period_days
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


def _ratio(part: int, whole: int, digits: int = 4) -> float:
    return round(part / whole, digits) if whole else 0.0


def _sum_counters(hashes: Sequence[Mapping[str, str]]) -> dict[str, int]:
    totals = dict.fromkeys(COUNTERS, 0)
    for counters in hashes:
        for name in COUNTERS:
            totals[name] += int(counters.get(name, 0))
    return totals


async def summary(redis: Redis, prefix: str, period: str, now_ms: int, limit: int = 10) -> dict[str, Any]:
    """The summary in DESIGN.md's shape (see the service README for each figure's definition)."""
    days = period_days(period, now_ms)
    today = days[-1]
    hours = [f"{today}T{hour:02d}" for hour in range(24)]
    buckets = hours if period == "today" else days
    sets = ("pages", "referrers", "countries", "cities", "papers:viewed", "papers:shared", "queries")

    def build(pipe: Pipeline) -> None:
        for day in days:
            pipe.hgetall(keys.day_counters(prefix, day))
        reads = PeriodReads(pipe, prefix, period, days)
        reads.unique()
        for bucket in buckets:
            pipe.pfcount(
                keys.hour_visitors(prefix, bucket) if period == "today" else keys.day_visitors(prefix, bucket)
            )
        for name in sets:
            reads.top(name, limit)
        queue_snapshot(pipe, prefix, now_ms)

    replies = await execute(redis, build)
    hashes: list[dict[str, str]] = [replies.pop(0) for _ in days]
    unique: int = replies.pop(0)
    bucket_visitors: list[int] = [replies.pop(0) for _ in buckets]
    pages, referrers, countries, cities, viewed, shared, queries = (
        PeriodReads.rows(replies.pop(0), limit) for _ in sets
    )
    realtime = snapshot_of(replies.pop(0))
    totals = _sum_counters(hashes)

    if period == "today":
        counters = hashes[-1]
        points = [
            {
                "t": f"{hour}:00:00Z",
                "pageViews": int(counters.get(f"pv:{hour[-2:]}", 0)),
                "visitors": visitors,
            }
            for hour, visitors in zip(hours, bucket_visitors, strict=True)
        ]
    else:
        points = [
            {"t": day, "pageViews": int(counters.get("pageviews", 0)), "visitors": visitors}
            for day, counters, visitors in zip(days, hashes, bucket_visitors, strict=True)
        ]

    visits = totals["visits"]
    return {
        "period": period,
        "from": days[0],
        "to": today,
        "generatedAt": iso(now_ms),
        "pageViews": {
            "total": totals["pageviews"],
            "unique": unique,
            "byPage": [{"path": path, "views": views} for path, views in pages],
        },
        "visits": visits,
        "bounceRate": _ratio(totals["bounces"], visits),
        "visitDuration": round(totals["duration_ms"] / visits / 1000, 3) if visits else 0.0,
        "referrers": [{"source": source, "visits": n} for source, n in referrers],
        "papers": {
            "mostViewed": [{"id": paper, "views": n} for paper, n in viewed],
            "mostShared": [{"id": paper, "shares": n} for paper, n in shared],
            "averageTimeOnPage": round(totals["engaged_ms"] / totals["engagements"] / 1000, 3)
            if totals["engagements"]
            else 0.0,
        },
        "searches": {
            "total": totals["searches"],
            "topQueries": [{"query": query, "count": n} for query, n in queries],
            "clickThroughRate": _ratio(totals["searches_clicked"], totals["searches"]),
        },
        "geography": {
            "countries": [{"country": country, "visits": n} for country, n in countries],
            "cities": [
                {"country": place.split("/", 1)[0], "city": place.split("/", 1)[1], "visits": n}
                for place, n in cities
            ],
        },
        "realtime": realtime,
        "timeseries": {"interval": "hour" if period == "today" else "day", "points": points},
    }


async def popular(redis: Redis, prefix: str, period: str, now_ms: int, limit: int = 10) -> dict[str, Any]:
    """The most viewed papers of the period with their shares, and the most viewed pages."""
    days = period_days(period, now_ms)

    def build(pipe: Pipeline) -> None:
        reads = PeriodReads(pipe, prefix, period, days)
        reads.top("papers:viewed", limit)
        reads.top("papers:shared", 1000)
        reads.top("pages", limit)

    viewed, shared, pages = (
        PeriodReads.rows(reply, n)
        for reply, n in zip(await execute(redis, build), (limit, 1000, limit), strict=True)
    )
    shares = dict(shared)
    return {
        "period": period,
        "from": days[0],
        "to": days[-1],
        "generatedAt": iso(now_ms),
        "papers": [{"id": paper, "views": views, "shares": shares.get(paper, 0)} for paper, views in viewed],
        "pages": [{"path": path, "views": views} for path, views in pages],
    }
