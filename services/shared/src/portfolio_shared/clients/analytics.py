"""Client of the analytics service: the summary core proxies, and the daily NDJSON export."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any, ClassVar

from portfolio_shared.clients._errors import UPSTREAM_INVALID_RESPONSE
from portfolio_shared.clients.base import ServiceClient
from portfolio_shared.errors import UpstreamError
from portfolio_shared.schemas.analytics import AnalyticsSummary


class AnalyticsClient(ServiceClient):
    """Typed client of the analytics service."""

    service: ClassVar[str] = "analytics"
    url_setting: ClassVar[str] = "analytics_url"

    async def summary(self, period: str = "7d") -> AnalyticsSummary:
        """``GET /metrics/summary?period=``."""
        response = await self.request("GET", "/metrics/summary", params={"period": period})
        return self._parse(response, AnalyticsSummary)

    async def load_sample(self) -> dict[str, Any]:
        """``PUT /internal/sample``: a week of sample traffic ending now (replaces a loaded one)."""
        response = await self.request("PUT", "/internal/sample", idempotent=True)
        return dict(response.json())

    async def remove_sample(self) -> dict[str, Any]:
        """``DELETE /internal/sample``: delete the sample traffic's keys (only those)."""
        response = await self.request("DELETE", "/internal/sample", idempotent=True)
        return dict(response.json())

    async def export(self, day: date) -> AsyncIterator[dict[str, Any]]:
        """``GET /export?date=``: the day's raw events, one dict per NDJSON line, streamed.

        Stopping early leaks nothing if the iterator is closed (``contextlib.aclosing``).
        """
        async with self.stream("GET", "/export", params={"date": day.isoformat()}) as response:
            number = 0
            async for line in self._lines(response):
                number += 1
                if not line.strip():
                    continue
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    event = None
                if not isinstance(event, dict):
                    raise UpstreamError(
                        f"The analytics export has a line that is not a JSON object (line {number}).",
                        code=UPSTREAM_INVALID_RESPONSE,
                        details={"line": number},
                    )
                yield event
