"""Redis key names the Python side reads and writes. The Lua scripts (``events/record.lua``,
``metrics/*.lua``) build theirs from the prefix with the same names; the whole layout is written
down in the service README.

Days and hours are UTC: ``day`` is ``YYYY-MM-DD``, ``hour`` is ``YYYY-MM-DDTHH``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import get_args

from portfolio_shared.schemas import FilterKind

#: Sorted sets kept per UTC day (member → count).
DAILY_SETS = (
    "pages",
    "referrers",
    "countries",
    "cities",
    "papers:viewed",
    "papers:shared",
    "topics",
    "queries",
    # Per visit, on its day: the first and the latest page (the exit moves with the visit), the
    # browser, OS and device class from the User-Agent, and the page URL's UTM parameters.
    "entry",
    "exit",
    "browsers",
    "oses",
    "devices",
    "utm:source",
    "utm:medium",
    "utm:campaign",
)
#: The member that counts a full daily (or hourly) set's new members (``ANALYTICS_DISTINCT_PER_SET``).
OTHER = "(other)"
#: Periods of several days whose merged sets the writer keeps current once a reader created them.
PERIODS = ("7d", "30d")
#: Sorted sets also kept per UTC hour, for trending over the last 24 hours.
HOURLY_SETS = ("topics", "queries")


def sample_prefix(prefix: str) -> str:
    """The prefix of the sample week (``portfolio_analytics.sample``): its own key space beside the
    site's, so deleting ``<prefix>-sample:*`` removes exactly the sample and nothing real."""
    return f"{prefix}-sample"


def sample_marker(prefix: str) -> str:
    """Set once the sample week is complete; while it exists the dashboard reads the sample."""
    return f"{sample_prefix(prefix)}:loaded"


def salt(prefix: str, day: str) -> str:
    return f"{prefix}:salt:{day}"


def raw_stream(prefix: str, day: str) -> str:
    return f"{prefix}:raw:{day}"


def day_counters(prefix: str, day: str) -> str:
    return f"{prefix}:day:{day}"


def day_visitors(prefix: str, day: str) -> str:
    return f"{prefix}:day:{day}:visitors"


def day_set(prefix: str, day: str, name: str) -> str:
    return f"{prefix}:day:{day}:{name}"


def period_set(prefix: str, period: str, last_day: str, name: str) -> str:
    """A period's merged sorted set (or HyperLogLog, ``name="visitors"``), kept current by the writer."""
    return f"{prefix}:period:{period}:{last_day}:{name}"


def month_set(prefix: str, month: str, name: str) -> str:
    """A closed month's daily sorted sets merged (``month`` is ``YYYY-MM``; ``metrics/month_rollup.lua``)."""
    return f"{prefix}:month:{month}:{name}"


def month_visitors(prefix: str, month: str) -> str:
    """A closed month's daily visitor HyperLogLogs merged; its existence marks the month rolled up."""
    return f"{prefix}:month:{month}:visitors"


def hour_visitors(prefix: str, hour: str) -> str:
    return f"{prefix}:hour:{hour}:visitors"


def hour_set(prefix: str, hour: str, name: str) -> str:
    return f"{prefix}:hour:{hour}:{name}"


@lru_cache(maxsize=64)
def _day(index: int) -> str:
    return datetime.fromtimestamp(index * 86_400, UTC).strftime("%Y-%m-%d")


def day_of(epoch_ms: float) -> str:
    # Cached per day number: every event needs it and strftime is comparatively slow.
    return _day(int(epoch_ms // 86_400_000))


def hour_of(epoch_ms: float) -> str:
    hour = int(epoch_ms // 3_600_000)
    return f"{_day(hour // 24)}T{hour % 24:02d}"


def days_back(epoch_ms: float, count: int) -> list[str]:
    """The ``count`` UTC days ending with the day of ``epoch_ms``, oldest first."""
    today = datetime.fromtimestamp(epoch_ms / 1000, UTC).date()
    return [(today - timedelta(days=n)).isoformat() for n in range(count - 1, -1, -1)]


def hours_back(epoch_ms: float, count: int) -> list[str]:
    """The ``count`` UTC hours ending with the hour of ``epoch_ms``, oldest first."""
    now = datetime.fromtimestamp(epoch_ms / 1000, UTC).replace(minute=0, second=0, microsecond=0)
    return [(now - timedelta(hours=n)).strftime("%Y-%m-%dT%H") for n in range(count - 1, -1, -1)]


#: The dashboard's filter kinds (``filter=<kind>:<value>``, ADR 13): visit dimensions (``source``,
#: ``country``, ``campaign``) copy every event of a matching visit, event dimensions (``page``,
#: ``topic``) the matching events and, once, the visit that had one.
FILTER_KINDS: tuple[str, ...] = get_args(FilterKind)


def filter_value_id(value: str) -> str:
    """A filter value's id in key names: the first 16 hex digits of its SHA-1 (``record.lua``
    computes the same with ``redis.sha1hex``), so a value holding ``:`` or a long path neither
    collides with a set name nor lengthens keys."""
    return hashlib.sha1(value.encode(), usedforsecurity=False).hexdigest()[:16]


def filter_scope(prefix: str, kind: str, value: str) -> str:
    """The key prefix of a filter value's copy of the aggregates: under it the same layout as under
    ``prefix`` (``:day:{day}``, ``:day:{day}:visitors``, ``:day:{day}:{set}``, ``:hour:…``,
    ``:month:…``), so every reader reads a filtered range as it reads the site's."""
    return f"{prefix}:f:{kind}:{filter_value_id(value)}"


def filter_values(prefix: str, day: str, kind: str) -> str:
    """The ids of the values of ``kind`` that got a copy on ``day`` (at most
    ``ANALYTICS_FILTER_VALUES_PER_DAY``)."""
    return f"{prefix}:day:{day}:f:{kind}"


def filter_capped(prefix: str, day: str) -> str:
    """Hash ``kind → 1`` for the kinds of which ``day`` refused a value its copy."""
    return f"{prefix}:day:{day}:f:capped"


def fold_queue(prefix: str) -> str:
    """List of the writer's calls whose filter copies are not written yet (ADR 14): one JSON array of
    records per call, folded in order by ``record.lua``'s fold."""
    return f"{prefix}:fold"


def filter_since(prefix: str) -> str:
    """The first day the writer kept filter copies (``YYYY-MM-DD``): older days have none."""
    return f"{prefix}:f:since"
