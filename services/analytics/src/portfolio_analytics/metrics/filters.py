"""The dashboard's filter (``filter=<kind>:<value>``, ADR 13): which copy of the aggregates a read
uses, and which panels it cannot restrict.

The writer keeps, per UTC day and filter value, a copy of the day's counters, visitors and sets
restricted to the matching visits (``source``, ``country``, ``campaign``) or events (``page``,
``topic``; their visit panels count each visit that had one) under :func:`keys.filter_scope`, laid
out as the site's keys are, so a filtered read is the unfiltered read under another prefix (minus
the period keys, which exist for the site only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from redis.asyncio.client import Pipeline

from portfolio_analytics import keys
from portfolio_analytics.events.intake import STORED_TEXT_MAX
from portfolio_analytics.metrics.periods import DateRange, invalid_query
from portfolio_shared.schemas.analytics import DashboardQueryError, split_filter

FIELD = "filter"
#: Panels of the summary no filter restricts: the visitors of the last five minutes, site-wide.
NEVER_FILTERED = ("realtime",)
#: Panels a kind cannot restrict: a search carries no topic, so under a topic filter the searches
#: panel (its total, queries and click-through) and trending queries would only show zeros.
NOT_APPLICABLE: dict[str, tuple[str, ...]] = {"topic": ("searches", "queries")}
#: The summary's panels (its keys a filter restricts or not).
SUMMARY_PANELS = (
    "pageViews",
    "visits",
    "bounceRate",
    "visitDuration",
    "referrers",
    "papers",
    "searches",
    "geography",
    "entryPages",
    "exitPages",
    "utm",
    "devices",
    "timeseries",
    "comparison",
    "realtime",
)
POPULAR_PANELS = ("papers", "pages")
TRENDING_PANELS = ("topics", "queries")


@dataclass(frozen=True)
class Filter:
    kind: str
    value: str

    def scope(self, prefix: str) -> str:
        return keys.filter_scope(prefix, self.kind, self.value)

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "value": self.value}


def parse_filter(raw: str | None) -> Filter | None:
    """``<kind>:<value>`` split on the first ``:`` (a path may hold more), or a 422 envelope."""
    if raw is None:
        return None
    try:
        kind, value = split_filter(raw)
    except DashboardQueryError as exc:
        raise invalid_query(exc.message, FIELD, exc.kind) from None
    if len(value) > STORED_TEXT_MAX:
        raise invalid_query(
            f"The filter's value is longer than {STORED_TEXT_MAX} characters, more than any stored value.",
            FIELD,
            "filter_length",
        )
    return Filter(kind, value)


def unavailable(
    flt: Filter | None,
    period: DateRange,
    previous: DateRange | None,
    since: str | None,
    panels: tuple[str, ...],
) -> list[str]:
    """The ``panels`` (of those an answer has) the filter does not restrict: never-filtered and
    not-applicable ones, every one when the range starts before the copies began (``since``, the
    writer's first day with copies; None: none yet), and ``comparison`` when only the previous period
    does."""
    if flt is None:
        return []
    out = [name for name in NEVER_FILTERED + NOT_APPLICABLE.get(flt.kind, ()) if name in panels]
    first = date.fromisoformat(since) if since else None
    if first is None or date.fromisoformat(period.first) < first:
        return sorted({*out, *panels})
    if "comparison" in panels and previous is not None and date.fromisoformat(previous.first) < first:
        out.append("comparison")
    return out


def queue_since(pipe: Pipeline, prefix: str, flt: Filter | None) -> None:
    """Queue the read of the first day with filter copies (a reply only with a filter)."""
    if flt is not None:
        pipe.get(keys.filter_since(prefix))


def filter_fields(
    replies: list[Any],
    flt: Filter | None,
    period: DateRange,
    previous: DateRange | None,
    panels: tuple[str, ...],
) -> dict[str, Any]:
    """The answer's ``filter`` and ``unavailable``, taking :func:`queue_since`'s reply."""
    since = replies.pop(0) if flt is not None else None
    return {
        "filter": flt.as_json() if flt is not None else None,
        "unavailable": unavailable(flt, period, previous, since, panels),
    }
