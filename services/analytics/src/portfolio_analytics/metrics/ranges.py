"""Reads over any range of days, fast for long ones (ADR 13).

A range's counters and per-day visitors come from one ``days_read.lua`` call. Its sorted sets and
unique visitors are merged in Redis from month roll-ups for the closed months it holds whole
(``month_rollup.lua``, written by the first read that needs them and kept as long as their days)
and daily keys for its edge days: a 365-day range merges at most ~12 months plus ~60 days per set
instead of 365 days. The presets the writer keeps period keys for (``7d``/``30d`` ending today, and
any single day) read those instead, as before.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from redis.asyncio.client import Pipeline

from portfolio_analytics import keys
from portfolio_analytics.config import AnalyticsSettings
from portfolio_analytics.metrics.filters import Filter
from portfolio_analytics.metrics.periods import DateRange, PeriodReads, ReadScript, TopReads, today_of

MONTH_ROLLUP = ReadScript("month_rollup.lua")
DAYS_READ = ReadScript("days_read.lua")
#: A month is rolled up once this long after it ended: the writes of its last events have landed
#: (a day's sets and HyperLogLogs only take events of that day, by the server's clock).
SETTLE_MS = 3_600_000


@dataclass(frozen=True)
class Retention:
    """Days the aggregates are kept: all of them, and per daily set (``queries`` and the props sets
    may differ). Month roll-ups expire when their first day's keys would."""

    days: int
    set_days: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, settings: AnalyticsSettings) -> Retention:
        return cls(
            settings.aggregate_retention_days,
            {name: settings.set_retention_days(name) for name in keys.DAILY_SETS},
        )


@dataclass(frozen=True)
class MetricsQuery:
    """What a dashboard read is asked: the range, the clock, rows per ranked list, the retention
    and the filter (None: the whole site)."""

    period: DateRange
    now_ms: int
    limit: int
    retention: Retention
    filter: Filter | None = None

    def fields(self) -> tuple[DateRange, int, int, Retention, Filter | None]:
        return self.period, self.now_ms, self.limit, self.retention, self.filter


def _epoch_s(day: date) -> int:
    return calendar.timegm(day.timetuple())


def _month_end_ms(month: str) -> int:
    year, number = int(month[:4]), int(month[5:7])
    last = date(year, number, calendar.monthrange(year, number)[1])
    return (_epoch_s(last) + 86_400) * 1000


@dataclass(frozen=True)
class Split:
    """A range's days as closed months held whole (read from roll-ups) and the other days."""

    months: tuple[str, ...]
    days: tuple[str, ...]

    def set_sources(self, prefix: str, name: str) -> list[str]:
        return [keys.month_set(prefix, month, name) for month in self.months] + [
            keys.day_set(prefix, day, name) for day in self.days
        ]

    def visitor_sources(self, prefix: str) -> list[str]:
        return [keys.month_visitors(prefix, month) for month in self.months] + [
            keys.day_visitors(prefix, day) for day in self.days
        ]


def split(days: Sequence[str], now_ms: float) -> Split:
    by_month: dict[str, list[str]] = {}
    for day in days:
        by_month.setdefault(day[:7], []).append(day)
    months: list[str] = []
    loose: list[str] = []
    for month, month_days in by_month.items():
        whole = len(month_days) == calendar.monthrange(int(month[:4]), int(month[5:7]))[1]
        if whole and _month_end_ms(month) + SETTLE_MS <= now_ms:
            months.append(month)
        else:
            loose.extend(month_days)
    return Split(tuple(months), tuple(loose))


def queue_rollups(
    pipe: Pipeline, prefix: str, splits: Sequence[Split], retention: Retention, now_ms: float
) -> int:
    """Queue the roll-up of every month of ``splits`` (a no-op in Redis once done); returns how many
    replies to skip. A roll-up expires when its month's first day would (a month past that is
    never whole inside a retained range; the minute's floor only serves reads of older baselines)."""
    months = sorted({month for part in splits for month in part.months})
    now_s = int(now_ms // 1000)

    def ttl(first: int, days: int) -> int:
        return max(60, first + days * 86_400 - now_s)

    for month in months:
        year, number = int(month[:4]), int(month[5:7])
        first = _epoch_s(date(year, number, 1))
        count = calendar.monthrange(year, number)[1]
        sets = [(name, ttl(first, retention.set_days.get(name, retention.days))) for name in keys.DAILY_SETS]
        MONTH_ROLLUP.queue(
            pipe,
            prefix,
            month,
            ttl(first, retention.days),
            len(sets),
            *[item for pair in sets for item in pair],
            *[f"{month}-{day:02d}" for day in range(1, count + 1)],
        )
    return len(months)


def queue_days(pipe: Pipeline, prefix: str, days: Sequence[str], fields: Sequence[str]) -> None:
    """Queue the read of each day's ``fields`` and visitors (one reply, :func:`take_days`)."""
    DAYS_READ.queue(pipe, prefix, len(fields), *fields, *days)


def take_days(reply: list[int], fields: Sequence[str]) -> list[tuple[dict[str, int], int]]:
    """``[(fields of the day, visitors of the day)]`` in the days' order."""
    width = len(fields) + 1
    return [
        (dict(zip(fields, reply[at : at + width - 1], strict=True)), reply[at + width - 1])
        for at in range(0, len(reply), width)
    ]


def period_key_name(period: DateRange, now_ms: float) -> str | None:
    """The period keys a range can read (``7d``/``30d`` ending today; a single day reads its own
    keys through the same script), or None."""
    if len(period.days) == 1:
        return "1d"
    if period.last == today_of(now_ms).isoformat() and f"{len(period.days)}d" in keys.PERIODS:
        return f"{len(period.days)}d"
    return None


class RangeTops:
    """Top members of daily sets and unique visitors over a range, queued on a pipeline and taken
    back in the same order: period keys where the writer keeps them, else month roll-ups and days."""

    def __init__(
        self, pipe: Pipeline, prefix: str, period: DateRange, now_ms: float, *, periods: bool = True
    ) -> None:
        """``periods=False``: the writer keeps no period keys under ``prefix`` (a filter's copy)."""
        self.pipe = pipe
        self.prefix = prefix
        name = period_key_name(period, now_ms) if periods else None
        self.period_reads = PeriodReads(pipe, prefix, name, list(period.days)) if name else None
        # Period keys need no roll-up: no months then.
        self.split = Split((), period.days) if self.period_reads else split(period.days, now_ms)
        self.top_reads = TopReads(pipe, prefix)

    def top(self, name: str, limit: int) -> None:
        if self.period_reads is not None:
            self.period_reads.top(name, limit)
        else:
            self.top_reads.top(self.split.set_sources(self.prefix, name), limit)

    def take_top(self, replies: list[Any], name: str, limit: int) -> list[tuple[str, int]]:
        if self.period_reads is not None:
            return PeriodReads.rows(replies.pop(0), limit)
        merged = len(self.split.set_sources(self.prefix, name)) > 1
        return TopReads.take(replies, merged)

    def unique(self) -> None:
        if self.period_reads is not None:
            self.period_reads.unique()
        else:
            self.pipe.pfcount(*self.split.visitor_sources(self.prefix))

    @staticmethod
    def take_unique(replies: list[Any]) -> int:
        return int(replies.pop(0))
