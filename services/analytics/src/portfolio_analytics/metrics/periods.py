"""Periods of the dashboard and the sorted-set reads they share.

A period is a range of whole UTC days: a preset (``today``, ``7d``, ``30d``, ``90d``, ``365d``: the
days ending today) or any ``from``/``to`` range within the aggregate retention
(``ANALYTICS_AGGREGATE_RETENTION_DAYS``). :func:`resolve_range` turns the query into a
:class:`DateRange` or a 422 envelope saying what is wrong.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib.resources import files
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import NoScriptError

from portfolio_analytics import keys
from portfolio_shared.errors import ValidationFailed
from portfolio_shared.schemas.analytics import DashboardPeriod, DashboardQueryError
from portfolio_shared.schemas.analytics import parse_day as parse_shared_day

#: The presets (declared once, in ``portfolio_shared.schemas``, for core's proxy too).
Period = DashboardPeriod
PERIOD_DAYS: dict[str, int] = {"today": 1, "7d": 7, "30d": 30, "90d": 90, "365d": 365}
#: The ``period`` of an answer for a ``from``/``to`` range.
CUSTOM = "custom"
#: The preset when the query names neither a period nor a range.
DEFAULT_PERIOD: Period = "7d"
#: Seconds a merged temporary set may outlive a crashed request.
TMP_TTL_SECONDS = 30


@dataclass(frozen=True)
class DateRange:
    """Whole UTC days ``days[0]`` to ``days[-1]``; ``period`` is the preset's name or ``custom``."""

    period: str
    days: tuple[str, ...]

    @property
    def first(self) -> str:
        return self.days[0]

    @property
    def last(self) -> str:
        return self.days[-1]

    @property
    def hourly(self) -> bool:
        """``today`` is read per hour (its time series has 24 points); every other range per day."""
        return self.period == "today"

    def previous(self) -> DateRange:
        """The range of the same length just before this one (``today``: yesterday)."""
        start, count = date.fromisoformat(self.first), len(self.days)
        return DateRange(
            self.period, tuple((start - timedelta(days=count - n)).isoformat() for n in range(count))
        )


def today_of(now_ms: float) -> date:
    return datetime.fromtimestamp(now_ms / 1000, UTC).date()


def oldest_retained_day(now_ms: float, retention_days: int) -> date:
    """The first day of the ``retention_days`` days ending today: every older day's aggregates may
    be gone."""
    return today_of(now_ms) - timedelta(days=retention_days - 1)


def is_retained(period: DateRange, now_ms: float, retention_days: int) -> bool:
    return date.fromisoformat(period.first) >= oldest_retained_day(now_ms, retention_days)


def preset_range(period: str, now_ms: float) -> DateRange:
    return DateRange(period, tuple(keys.days_back(now_ms, PERIOD_DAYS[period])))


def invalid_query(message: str, field: str, kind: str) -> ValidationFailed:
    return ValidationFailed(
        message, details={"errors": [{"loc": ["query", field], "msg": message, "type": kind}]}
    )


def parse_day(value: str, field: str = "date") -> date:
    """``YYYY-MM-DD`` (a real calendar day) or a 422 envelope naming the query parameter ``field``."""
    try:
        return parse_shared_day(value, field)
    except DashboardQueryError as exc:
        raise invalid_query(exc.message, field, exc.kind) from None


def resolve_range(
    period: str | None, start: str | None, end: str | None, now_ms: float, retention_days: int
) -> DateRange:
    """The range a query asks for: ``period`` (default ``7d``) or ``from`` (with ``to``, default
    today), both inclusive UTC days within the retention; anything else is a 422 envelope."""
    if start is None and end is None:
        resolved = preset_range(period or DEFAULT_PERIOD, now_ms)
        field = "period"
    else:
        if period is not None:
            raise invalid_query(
                "Give either `period` or a `from`/`to` range, not both.", "period", "conflict"
            )
        if start is None:
            raise invalid_query("`to` needs a `from` day.", "from", "missing")
        first = parse_day(start, "from")
        today = today_of(now_ms)
        last = parse_day(end, "to") if end is not None else today
        if first > last:
            raise invalid_query(f"`from` ({first}) is after `to` ({last}).", "from", "range_order")
        if last > today:
            raise invalid_query(f"`to` ({last}) is in the future; today is {today} (UTC).", "to", "future")
        count = (last - first).days + 1
        resolved = DateRange(CUSTOM, tuple((first + timedelta(days=n)).isoformat() for n in range(count)))
        field = "from"
    if not is_retained(resolved, now_ms, retention_days):
        oldest = oldest_retained_day(now_ms, retention_days)
        raise invalid_query(
            f"The range starts on {resolved.first}, before {oldest}: aggregates are kept "
            f"{retention_days} days.",
            field,
            "retention",
        )
    return resolved


class TopReads:
    """Queues "top N of a set merged over several keys" reads on a pipeline.

    One key is read directly; several are merged with ``ZUNIONSTORE`` into a temporary key that the
    same pipeline deletes afterwards. :meth:`take` consumes the replies in queue order.
    """

    def __init__(self, pipe: Pipeline, prefix: str) -> None:
        self.pipe = pipe
        self.prefix = prefix
        self.tmp = f"{prefix}:tmp:{uuid.uuid4().hex}"
        self._shapes: list[bool] = []  # per queued read: merged (3 replies) or direct (1)
        self._count = 0

    def merged_key(self, sources: list[str]) -> str:
        """Queue the merge of ``sources`` (or nothing for one) and return the key to read."""
        if len(sources) == 1:
            return sources[0]
        self._count += 1
        key = f"{self.tmp}:{self._count}"
        self.pipe.zunionstore(key, sources)
        self.pipe.expire(key, TMP_TTL_SECONDS)
        return key

    def top(self, sources: list[str], limit: int) -> None:
        key = self.merged_key(sources)
        self.pipe.zrange(key, 0, limit - 1, desc=True, withscores=True)
        merged = len(sources) > 1
        if merged:
            self.pipe.delete(key)
        self._shapes.append(merged)

    @staticmethod
    def take(replies: list[Any], merged: bool) -> list[tuple[str, int]]:
        """Pop one read's replies from the front of ``replies``: ``[(member, count)]`` by count,
        ties by member (Redis orders ties in reverse, which would make the order surprising)."""
        if merged:
            del replies[:2]  # ZUNIONSTORE, EXPIRE
        rows: list[tuple[str, float]] = replies.pop(0)
        if merged:
            del replies[:1]  # DEL
        # Zero scores: an exit page every visit has moved on from.
        counted = ((member, int(score)) for member, score in rows if score > 0)
        return sorted(counted, key=lambda row: (-row[1], row[0]))

    def take_all(self, replies: list[Any]) -> list[list[tuple[str, int]]]:
        return [self.take(replies, merged) for merged in self._shapes]


class ReadScript:
    """A Lua read script of this package, queued on pipelines by its SHA. :func:`execute` loads
    every one Redis does not know yet (first use, or Redis restarted)."""

    registry: list[ReadScript] = []

    def __init__(self, filename: str) -> None:
        self.text = files("portfolio_analytics.metrics").joinpath(filename).read_text(encoding="utf-8")
        self.sha: str | None = None
        ReadScript.registry.append(self)

    def queue(self, pipe: Pipeline, *args: Any) -> None:
        assert self.sha is not None, "run the pipeline with execute()"
        pipe.evalsha(self.sha, 0, *args)


PERIOD_READ = ReadScript("period_read.lua")
#: Period keys are written during their last day only; they go a little after it.
PERIOD_TTL_SECONDS = 26 * 3600


class PeriodReads:
    """Queues ``period_read.lua`` calls on a pipeline: the top members of a daily sorted set over a
    period and unique visitors over a period, each one call that reads (and on the day's first
    read creates) the period key the writer keeps up to date. Run the pipeline with
    :func:`execute`, which loads the script when Redis lacks it."""

    def __init__(self, pipe: Pipeline, prefix: str, period: str, days: list[str]) -> None:
        self.pipe = pipe
        self.prefix = prefix
        self.period = period
        self.days = days

    def _queue(self, mode: str, name: str, keys_of_days: list[str], limit: int) -> None:
        period_key = keys.period_set(self.prefix, self.period, self.days[-1], name)
        PERIOD_READ.queue(self.pipe, mode, period_key, limit, PERIOD_TTL_SECONDS, *keys_of_days)

    def top(self, name: str, limit: int) -> None:
        self._queue("top", name, [keys.day_set(self.prefix, day, name) for day in self.days], limit)

    def unique(self) -> None:
        self._queue("unique", "visitors", [keys.day_visitors(self.prefix, day) for day in self.days], 0)

    @staticmethod
    def rows(reply: list[Any], limit: int) -> list[tuple[str, int]]:
        """``[(member, count)]`` by count, ties by member, without the period key's marker."""
        rows = [(member, int(score)) for member, score in zip(reply[::2], reply[1::2], strict=True)]
        rows = [row for row in rows if row[1] > 0]
        return sorted(rows, key=lambda row: (-row[1], row[0]))[:limit]


async def execute(redis: Redis, build: Callable[[Pipeline], Any]) -> list[Any]:
    """Build a pipeline with ``build(pipe)`` and run it; when Redis does not know a read script
    (first use, or Redis restarted) load the scripts and run the pipeline again."""
    for attempt in range(2):
        for script in ReadScript.registry:
            if script.sha is None:
                script.sha = await redis.script_load(script.text)
        async with redis.pipeline(transaction=False) as pipe:
            build(pipe)
            try:
                replies: list[Any] = await pipe.execute()
            except NoScriptError:
                if attempt:
                    raise
                for script in ReadScript.registry:
                    script.sha = None
                continue
            return replies
    raise AssertionError("unreachable")
