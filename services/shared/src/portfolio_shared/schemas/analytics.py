"""The analytics summary (``GET /metrics/summary``), in the plan's camelCase JSON shape.

Python fields are snake_case; the JSON keys are camelCase (``page_views`` <-> ``pageViews``). The
named sections are typed; the contents of their lists and maps are the analytics service's to shape.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from portfolio_shared.schemas._base import ResponseModel


class _Camel(ResponseModel):
    # A proxy (core) re-serialises the summary, so keys it does not model are kept, not dropped.
    model_config = ConfigDict(extra="allow", alias_generator=to_camel, populate_by_name=True)


class PageViews(_Camel):
    total: int = Field(default=0, ge=0)
    unique: int = Field(default=0, ge=0)
    by_page: Any = None


class PaperStats(_Camel):
    most_viewed: Any = None
    most_shared: Any = None
    average_time_on_page: float | None = None


class SearchStats(_Camel):
    top_queries: Any = None
    click_through_rate: float | None = None


class Geography(_Camel):
    countries: Any = None


class Realtime(_Camel):
    active_users: int = Field(default=0, ge=0)
    current_pages: Any = None


class AnalyticsSummary(_Camel):
    """``GET /metrics/summary?period=``; serialise with ``by_alias=True`` to get the JSON keys back."""

    period: str | None = None
    #: The figures are the sample week ``make run`` loads (analytics' ``/internal/sample``), not real traffic.
    sample: bool = False
    page_views: PageViews = Field(default_factory=PageViews)
    papers: PaperStats = Field(default_factory=PaperStats)
    searches: SearchStats = Field(default_factory=SearchStats)
    geography: Geography = Field(default_factory=Geography)
    realtime: Realtime = Field(default_factory=Realtime)
    visits: Any = None
    bounce_rate: float | None = None
    visit_duration: float | None = None
    referrers: Any = None
    timeseries: Any = None
