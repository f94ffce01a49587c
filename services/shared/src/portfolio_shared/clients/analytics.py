"""Client of the analytics service: the summary core proxies, and the sample traffic."""

from __future__ import annotations

from typing import Any, ClassVar

from portfolio_shared.clients.base import ServiceClient
from portfolio_shared.contracts.operations import (
    ANALYTICS_SUMMARY,
    LOAD_SAMPLE_TRAFFIC,
    REMOVE_SAMPLE_TRAFFIC,
)
from portfolio_shared.schemas.analytics import AnalyticsSummary


class AnalyticsClient(ServiceClient):
    """Typed client of the analytics service."""

    service: ClassVar[str] = "analytics"
    url_setting: ClassVar[str] = "analytics_url"

    @staticmethod
    def summary_params(
        period: str | None = None,
        *,
        start: str | None = None,
        end: str | None = None,
        filter_: str | None = None,
    ) -> dict[str, str]:
        """The query of :meth:`summary`: only the parameters given (none: the service's default
        preset, ``7d``)."""
        given = {"period": period, "from": start, "to": end, "filter": filter_}
        return {name: value for name, value in given.items() if value is not None}

    async def summary(
        self,
        period: str | None = None,
        *,
        start: str | None = None,
        end: str | None = None,
        filter_: str | None = None,
    ) -> AnalyticsSummary:
        """``GET /metrics/summary?period=`` or ``?from=&to=``, optionally ``&filter=<kind>:<value>``."""
        params = self.summary_params(period, start=start, end=end, filter_=filter_)
        response = await self.send(ANALYTICS_SUMMARY.bind(), params=params)
        return self._parse(response, AnalyticsSummary)

    async def load_sample(self) -> dict[str, Any]:
        """``PUT /internal/sample``: a week of sample traffic ending now (replaces a loaded one)."""
        response = await self.send(LOAD_SAMPLE_TRAFFIC.bind())
        return dict(response.json())

    async def remove_sample(self) -> dict[str, Any]:
        """``DELETE /internal/sample``: delete the sample traffic's keys (only those)."""
        response = await self.send(REMOVE_SAMPLE_TRAFFIC.bind())
        return dict(response.json())
