"""The analytics service's dashboard reads (``GET /metrics/summary|popular|trending``), in their
camelCase JSON shape.

The analytics service declares these as its routes' response models and core's proxy parses the
summary with the same one, so the OpenAPI schema the SPA's client is generated from says exactly
what is sent. Python fields are snake_case; the JSON keys are camelCase (``page_views`` <->
``pageViews``; serialise with ``by_alias=True``). Every field the service has always sent is
required; fields added later (``comparison``, ``timeseries.previous``, the entry and exit pages,
``utm``, ``devices``) have defaults so a reader still parses an older service's answer. Unknown
keys are kept (a proxy re-serialises the summary, so a newer service's additions pass through it).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, get_args

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from portfolio_shared.schemas._base import ResponseModel


class _Camel(ResponseModel):
    model_config = ConfigDict(
        extra="allow",
        alias_generator=to_camel,
        populate_by_name=True,
        # What the service sends always carries every field: the schema says so, and a generated
        # client then has no optional fields to guess about.
        json_schema_serialization_defaults_required=True,
    )


#: What a dashboard filter (``filter=<kind>:<value>``) restricts by: ``page`` (a path), ``source``
#: (a referrer source as the referrers panel shows it), ``country`` (ISO code or ``unknown``),
#: ``topic``, ``campaign`` (utm_campaign).
FilterKind = Literal["page", "source", "country", "topic", "campaign"]
FILTER_KINDS: tuple[str, ...] = get_args(FilterKind)

#: A dashboard read's preset periods (``period=``): whole UTC days ending today (``today``: since
#: 00:00 UTC). A custom range is ``from``/``to`` instead (:func:`parse_day`).
DashboardPeriod = Literal["today", "7d", "30d", "90d", "365d"]
DASHBOARD_PERIODS: tuple[str, ...] = get_args(DashboardPeriod)


class DashboardQueryError(ValueError):
    """A dashboard query parameter that is not what the reads accept; ``kind`` names the rule (the
    ``type`` of a 422 envelope's error)."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


def parse_day(value: str, field: str = "date") -> date:
    """A ``from``/``to`` day: ``YYYY-MM-DD``, a real calendar day (UTC), else DashboardQueryError."""
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise DashboardQueryError(
            f"`{field}` must be a calendar day written YYYY-MM-DD (UTC).", "date"
        ) from None


def split_filter(raw: str) -> tuple[str, str]:
    """A dashboard filter ``<kind>:<value>``, split on the first ``:`` (a path may hold more), as
    ``(kind, value)``; else DashboardQueryError. (The analytics service also bounds the value's
    length by what it stores.)"""
    kind, sep, value = raw.partition(":")
    if not sep or kind not in FILTER_KINDS:
        raise DashboardQueryError(
            f"`filter` must be <kind>:<value> with kind one of {', '.join(FILTER_KINDS)}.", "filter_kind"
        )
    if not value:
        raise DashboardQueryError("`filter` needs a value after its kind.", "filter_value")
    return kind, value


class DashboardFilter(_Camel):
    """The filter an answer's figures are restricted to."""

    kind: FilterKind
    value: str


class _Range(_Camel):
    """Which days an answer covers: ``period`` is the preset asked for or ``custom`` (a
    ``from``/``to`` range); ``from``/``to`` are inclusive UTC days (``YYYY-MM-DD``)."""

    period: str
    from_: str = Field(alias="from")
    to: str
    generated_at: str
    #: The figures are the sample week ``make run`` loads (analytics' ``/internal/sample``), not real traffic.
    sample: bool = False
    #: The filter asked for (``null``: none); every panel not in ``unavailable`` is restricted to it.
    filter: DashboardFilter | None = None
    #: Keys of this answer's panels the filter does not restrict (their figures are the whole site's,
    #: or, for a range reaching before the filter copies began, incomplete): always ``realtime``;
    #: ``searches`` (and trending ``queries``) under a topic filter; ``comparison`` when only the
    #: previous period reaches before the copies began; every panel when the range does. Empty
    #: without a filter.
    unavailable: list[str] = Field(default_factory=list)


class PageCount(_Camel):
    path: str
    views: int = Field(ge=0)


class PageViews(_Camel):
    total: int = Field(ge=0)
    #: Distinct visitor ids with a page view (HyperLogLog; ids rotate daily).
    unique: int = Field(ge=0)
    by_page: list[PageCount]


class PaperViews(_Camel):
    #: The arXiv id.
    id: str
    views: int = Field(ge=0)
    #: The paper's title from core (``paper_titles``); ``None`` when core does not know it or is down.
    title: str | None = None


class PaperShares(_Camel):
    id: str
    shares: int = Field(ge=0)
    title: str | None = None


class PaperStats(_Camel):
    most_viewed: list[PaperViews]
    most_shared: list[PaperShares]
    #: Mean engaged seconds of engagement events.
    average_time_on_page: float


class QueryCount(_Camel):
    query: str
    count: int = Field(ge=0)


class SearchStats(_Camel):
    total: int = Field(ge=0)
    top_queries: list[QueryCount]
    #: Share (0-1) of searches with a click-through within 30 minutes.
    click_through_rate: float


class SourceVisits(_Camel):
    #: The referrer's host (``(direct)`` without one), or a ``utm_source``.
    source: str
    visits: int = Field(ge=0)


class CountryVisits(_Camel):
    #: ISO 3166-1 alpha-2, or ``unknown``.
    country: str
    visits: int = Field(ge=0)


class CityVisits(_Camel):
    country: str
    city: str
    visits: int = Field(ge=0)


class GeoAttribution(_Camel):
    """The credit the GeoIP database's licence asks of a page showing its results: a link ``url``
    reading ``text``."""

    text: str
    url: str


class Geography(_Camel):
    countries: list[CountryVisits]
    cities: list[CityVisits]
    #: ``None`` without a database, or for one whose licence asks no credit.
    attribution: GeoAttribution | None = None


class PathVisits(_Camel):
    """A page and the visits that entered (or last left) the site on it."""

    path: str
    visits: int = Field(ge=0)


class UtmMediumVisits(_Camel):
    medium: str
    visits: int = Field(ge=0)


class UtmCampaignVisits(_Camel):
    campaign: str
    visits: int = Field(ge=0)


class UtmStats(_Camel):
    """Visits by the ``utm_source``/``utm_medium``/``utm_campaign`` of their first page's URL
    (visits without one are not listed)."""

    sources: list[SourceVisits] = Field(default_factory=list)
    mediums: list[UtmMediumVisits] = Field(default_factory=list)
    campaigns: list[UtmCampaignVisits] = Field(default_factory=list)


class BrowserVisits(_Camel):
    #: ua-parser's browser family (``Other`` when unrecognised).
    browser: str
    visits: int = Field(ge=0)


class OsVisits(_Camel):
    os: str
    visits: int = Field(ge=0)


class DeviceClassVisits(_Camel):
    device: Literal["desktop", "mobile", "tablet"]
    visits: int = Field(ge=0)


class DeviceStats(_Camel):
    """Visits by browser family, operating system and device class, from the User-Agent (which is
    never stored)."""

    browsers: list[BrowserVisits] = Field(default_factory=list)
    operating_systems: list[OsVisits] = Field(default_factory=list)
    device_classes: list[DeviceClassVisits] = Field(default_factory=list)


class PageVisitors(_Camel):
    path: str
    visitors: int = Field(ge=0)


class Realtime(_Camel):
    """Visitors with an event in the last 5 minutes, and the page of each one's last page view."""

    active_users: int = Field(ge=0)
    current_pages: list[PageVisitors]


class TimePoint(_Camel):
    #: The hour (``YYYY-MM-DDTHH:00:00Z``) or the day (``YYYY-MM-DD``).
    t: str
    page_views: int = Field(ge=0)
    visitors: int = Field(ge=0)


class Timeseries(_Camel):
    interval: Literal["hour", "day"]
    points: list[TimePoint]
    #: The previous period's points, index for index with ``points``; ``None`` when that period is
    #: no longer retained.
    previous: list[TimePoint] | None = None


class FigureChange(_Camel):
    """One figure now and in the previous period."""

    # Counts stay integers in JSON; means and rates are numbers.
    current: int | float
    previous: int | float
    #: ``(current - previous) / previous``, 4 digits; ``None`` when ``previous`` is 0.
    change: float | None
    #: ``current - previous`` (percentage points for the rates).
    difference: int | float


class PeriodComparison(_Camel):
    """The previous period of the same length (``today``: yesterday) and each figure's change."""

    from_: str = Field(alias="from")
    to: str
    page_views: FigureChange
    unique_visitors: FigureChange
    visits: FigureChange
    bounce_rate: FigureChange
    visit_duration: FigureChange
    average_time_on_page: FigureChange
    searches: FigureChange
    click_through_rate: FigureChange


#: A summary as the service sends it (the schema's example; tests of its readers use it).
SUMMARY_EXAMPLE: dict[str, Any] = {
    "period": "custom",
    "from": "2026-03-02",
    "to": "2026-03-03",
    "generatedAt": "2026-03-03T12:00:00.000Z",
    "sample": False,
    "filter": None,
    "unavailable": [],
    "pageViews": {
        "total": 12,
        "unique": 5,
        "byPage": [{"path": "/", "views": 7}, {"path": "/papers", "views": 5}],
    },
    "visits": 6,
    "bounceRate": 0.5,
    "visitDuration": 84.5,
    "referrers": [{"source": "(direct)", "visits": 4}, {"source": "news.ycombinator.com", "visits": 2}],
    "papers": {
        "mostViewed": [{"id": "2401.00001", "views": 3, "title": "Attention Is Still All You Need"}],
        "mostShared": [{"id": "2401.00001", "shares": 1, "title": "Attention Is Still All You Need"}],
        "averageTimeOnPage": 42.5,
    },
    "searches": {"total": 2, "topQueries": [{"query": "rag", "count": 2}], "clickThroughRate": 0.5},
    "geography": {
        "countries": [{"country": "DE", "visits": 4}, {"country": "GB", "visits": 2}],
        "cities": [{"country": "GB", "city": "London", "visits": 2}],
        "attribution": {"text": "IP Geolocation by DB-IP", "url": "https://db-ip.com"},
    },
    "entryPages": [{"path": "/", "visits": 5}, {"path": "/papers", "visits": 1}],
    "exitPages": [{"path": "/papers", "visits": 4}, {"path": "/", "visits": 2}],
    "utm": {
        "sources": [{"source": "newsletter", "visits": 2}],
        "mediums": [{"medium": "email", "visits": 2}],
        "campaigns": [{"campaign": "march", "visits": 2}],
    },
    "devices": {
        "browsers": [{"browser": "Chrome", "visits": 4}, {"browser": "Firefox", "visits": 2}],
        "operatingSystems": [{"os": "Windows", "visits": 3}, {"os": "Android", "visits": 3}],
        "deviceClasses": [{"device": "desktop", "visits": 3}, {"device": "mobile", "visits": 3}],
    },
    "realtime": {"activeUsers": 1, "currentPages": [{"path": "/papers", "visitors": 1}]},
    "timeseries": {
        "interval": "day",
        "points": [
            {"t": "2026-03-02", "pageViews": 5, "visitors": 2},
            {"t": "2026-03-03", "pageViews": 7, "visitors": 3},
        ],
        "previous": [
            {"t": "2026-02-28", "pageViews": 4, "visitors": 2},
            {"t": "2026-03-01", "pageViews": 0, "visitors": 0},
        ],
    },
    "comparison": {
        "from": "2026-02-28",
        "to": "2026-03-01",
        "pageViews": {"current": 12, "previous": 4, "change": 2.0, "difference": 8},
        "uniqueVisitors": {"current": 5, "previous": 2, "change": 1.5, "difference": 3},
        "visits": {"current": 6, "previous": 2, "change": 2.0, "difference": 4},
        "bounceRate": {"current": 0.5, "previous": 0.5, "change": 0.0, "difference": 0.0},
        "visitDuration": {"current": 84.5, "previous": 0.0, "change": None, "difference": 84.5},
        "averageTimeOnPage": {"current": 42.5, "previous": 30.0, "change": 0.4167, "difference": 12.5},
        "searches": {"current": 2, "previous": 0, "change": None, "difference": 2},
        "clickThroughRate": {"current": 0.5, "previous": 0.0, "change": None, "difference": 0.5},
    },
}


class AnalyticsSummary(_Range):
    """``GET /metrics/summary``: DESIGN.md's summary keys plus the comparison."""

    model_config = ConfigDict(json_schema_extra={"examples": [SUMMARY_EXAMPLE]})

    page_views: PageViews
    visits: int = Field(ge=0)
    #: Share (0-1) of visits with a single page view.
    bounce_rate: float
    #: Mean seconds from a visit's first to its last event.
    visit_duration: float
    referrers: list[SourceVisits]
    papers: PaperStats
    searches: SearchStats
    geography: Geography
    entry_pages: list[PathVisits] = Field(default_factory=list)
    #: Each visit's latest page so far.
    exit_pages: list[PathVisits] = Field(default_factory=list)
    utm: UtmStats = Field(default_factory=UtmStats)
    devices: DeviceStats = Field(default_factory=DeviceStats)
    realtime: Realtime
    timeseries: Timeseries
    #: ``None`` when the previous period is no longer retained.
    comparison: PeriodComparison | None = None


class PopularPaper(_Camel):
    id: str
    views: int = Field(ge=0)
    shares: int = Field(ge=0)
    title: str | None = None


class AnalyticsPopular(_Range):
    """``GET /metrics/popular``: the most viewed papers with their shares, and the most viewed pages."""

    papers: list[PopularPaper]
    pages: list[PageCount]


class _Trend(_Camel):
    #: Occurrences in the window.
    count: int = Field(ge=0)
    #: Occurrences in the window of the same length before it.
    baseline: int = Field(ge=0)
    #: ``(count + 1) / (baseline + 1)``, 2 digits.
    ratio: float


class TrendingTopic(_Trend):
    topic: str


class TrendingQuery(_Trend):
    query: str


class AnalyticsTrending(_Range):
    """``GET /metrics/trending``: topics and queries rising most against their baseline."""

    topics: list[TrendingTopic]
    queries: list[TrendingQuery]
