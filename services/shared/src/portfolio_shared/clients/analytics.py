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

    async def summary(self, period: str = "7d") -> AnalyticsSummary:
        """``GET /metrics/summary?period=``."""
        response = await self.send(ANALYTICS_SUMMARY.bind(), params={"period": period})
        return self._parse(response, AnalyticsSummary)

    async def load_sample(self) -> dict[str, Any]:
        """``PUT /internal/sample``: a week of sample traffic ending now (replaces a loaded one)."""
        response = await self.send(LOAD_SAMPLE_TRAFFIC.bind())
        return dict(response.json())

    async def remove_sample(self) -> dict[str, Any]:
        """``DELETE /internal/sample``: delete the sample traffic's keys (only those)."""
        response = await self.send(REMOVE_SAMPLE_TRAFFIC.bind())
        return dict(response.json())
