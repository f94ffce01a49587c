"""Helpers for the ingestion and metrics tests: an app on the real Redis under a unique key prefix
(deleted afterwards, never flushed), a settable clock, a generated GeoIP database."""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from mmdb_writer import MMDBWriter
from netaddr import IPSet
from redis.asyncio import Redis

from portfolio_analytics.config import AnalyticsSettings
from portfolio_analytics.main import create_app

REDIS_URL = os.environ.get("TEST_ANALYTICS_REDIS_URL", "redis://127.0.0.1:6379/13")
CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1"
)
#: Public addresses of the generated GeoIP database (real ranges; nothing is looked up online).
IP_LONDON = "81.2.69.142"
IP_GERMANY = "93.184.10.20"


def closed_port_url() -> str:
    """A local URL nothing listens on (a port the OS just handed out and took back)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@dataclass
class Clock:
    """``app.state.clock``: epoch seconds that a test moves by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 9, 12, 0, tzinfo=UTC))

    def __call__(self) -> float:
        return self.now.timestamp()

    def set(self, text: str) -> None:
        self.now = datetime.fromisoformat(text).replace(tzinfo=UTC)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Harness:
    client: httpx.AsyncClient
    api: FastAPI
    clock: Clock
    redis: Redis
    prefix: str
    settings: AnalyticsSettings

    async def post(
        self, name: str, body: Any, *, ip: str = IP_LONDON, ua: str = CHROME, **headers: str
    ) -> httpx.Response:
        return await self.client.post(
            f"/events/{name}", json=body, headers={"user-agent": ua, "x-forwarded-for": ip, **headers}
        )

    async def summary(self, period: str | None = "today", **params: Any) -> dict[str, Any]:
        """``GET /metrics/summary``; ``period=None`` leaves it out (for a ``from``/``to`` range)."""
        query = {"period": period, **params} if period is not None else params
        response = await self.client.get("/metrics/summary", params=query)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def keys(self) -> list[str]:
        """Every key under the prefix, once the queued filter copies are written (ADR 14)."""
        assert await self.api.state.intake.recorder.fold_all(self.redis, rounds=None) == 0
        return sorted([key async for key in self.redis.scan_iter(match=f"{self.prefix}:*", count=1000)])


@asynccontextmanager
async def harness(**overrides: Any) -> AsyncIterator[Harness]:
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    values: dict[str, Any] = {
        "REDIS_URL": REDIS_URL,
        "ENVIRONMENT": "test",
        "ANALYTICS_REDIS_PREFIX": prefix,
        "ANALYTICS_DASHBOARD_PUBLIC": True,
        "ANALYTICS_SUMMARY_CACHE_SECONDS": 0,
        "TRUSTED_PROXY_COUNT": 1,
        # No core here: the ranked papers come back with ``title`` null (core's own tests name them).
        "CORE_URL": closed_port_url(),
    }
    values.update(overrides)
    settings = AnalyticsSettings(**values)
    app = create_app(settings)
    api: FastAPI = app.other_asgi_app
    clock = Clock()
    api.state.clock = clock
    # The live feed is A2's and tested on its own; here it is off (a test may put a stub back).
    api.state.realtime = None
    async with api.router.lifespan_context(api):
        redis: Redis = api.state.redis
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://analytics") as client:
                yield Harness(client, api, clock, redis, prefix, settings)
        finally:
            leftovers = [key async for key in redis.scan_iter(match=f"{prefix}:*", count=1000)]
            if leftovers:
                await redis.delete(*leftovers)


async def raw_events(h: Harness) -> list[dict[str, Any]]:
    """The events recorded on the harness clock's day, as the raw stream holds them."""
    day = h.clock.now.date().isoformat()
    return [json.loads(fields["e"]) for _, fields in await h.redis.xrange(f"{h.prefix}:raw:{day}")]


def write_city_mmdb(path: Path) -> Path:
    """A tiny GeoIP2-City database: London (GB, with city) and a German range without a city."""
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoIP2-City", languages=["en"])
    writer.insert_network(
        IPSet(["81.2.69.0/24"]),
        {
            "country": {"iso_code": "GB", "names": {"en": "United Kingdom"}},
            "city": {"names": {"en": "London"}},
        },
    )
    writer.insert_network(
        IPSet(["93.184.0.0/16"]), {"country": {"iso_code": "DE", "names": {"en": "Germany"}}}
    )
    writer.to_db_file(str(path))
    return path


def write_country_mmdb(path: Path) -> Path:
    writer = MMDBWriter(
        ip_version=6, ipv4_compatible=True, database_type="GeoLite2-Country", languages=["en"]
    )
    writer.insert_network(
        IPSet(["81.2.69.0/24"]), {"country": {"iso_code": "GB", "names": {"en": "United Kingdom"}}}
    )
    writer.to_db_file(str(path))
    return path
