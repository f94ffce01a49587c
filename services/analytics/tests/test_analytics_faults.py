"""Redis stopped and restarted for real: a throwaway ``redis-server`` on a free port (never the shared
one) is killed under a running app, which then answers 503 ``redis_unavailable`` with the envelope,
and is started again on the same port, after which the same app answers 202 by itself."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import redis
from conftest import TEST_KEYS, TEST_KEYS_ENV, free_port

from portfolio_analytics.config import AnalyticsSettings
from portfolio_analytics.main import create_app
from portfolio_shared.auth import issue_token

PAGEVIEW = {"path": "/papers", "referrer": "", "title": "Papers"}
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"}

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server binary")


class ThrowawayRedis:
    """A ``redis-server`` subprocess without persistence, started and stopped by pid."""

    def __init__(self, port: int, directory: Path) -> None:
        self.port, self.directory = port, directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None


@pytest.fixture
def throwaway_redis(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(free_port(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
async def client(throwaway_redis: ThrowawayRedis) -> AsyncIterator[httpx.AsyncClient]:
    settings = AnalyticsSettings(
        REDIS_URL=throwaway_redis.url,
        ENVIRONMENT="test",
        **TEST_KEYS_ENV,
        ANALYTICS_DASHBOARD_PUBLIC=True,
        ANALYTICS_SUMMARY_CACHE_SECONDS=0,
    )
    app = create_app(settings)
    async with app.other_asgi_app.router.lifespan_context(app.other_asgi_app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://analytics", headers=BROWSER) as c:
            yield c


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "redis_unavailable"
    assert error["message"]
    assert response.headers["retry-after"] == "1"


async def test_redis_down_is_503_and_back_is_202_without_a_restart(
    client: httpx.AsyncClient, throwaway_redis: ThrowawayRedis
) -> None:
    core_token = issue_token(issuer="core", audience="analytics", key=TEST_KEYS["core"])
    export_auth = {"Authorization": f"Bearer {core_token}"}
    first = await client.post("/events/pageview", json=PAGEVIEW)
    assert first.status_code == 202, first.text
    assert (await client.get("/metrics/summary", params={"period": "today"})).status_code == 200

    throwaway_redis.kill()

    # A hang would fail here instead of blocking the suite (the client gives up within ~1 s).
    async with asyncio.timeout(60):
        assert_unavailable(await client.post("/events/pageview", json=PAGEVIEW))
        batch = {"events": [{"type": "pageview", **PAGEVIEW}]}
        assert_unavailable(await client.post("/events/batch", json=batch))
        assert_unavailable(await client.get("/metrics/summary", params={"period": "today"}))
        assert_unavailable(await client.get("/export", params={"date": "2026-11-29"}, headers=export_auth))
    assert (await client.get("/ready")).status_code == 503
    assert (await client.get("/health")).status_code == 200

    throwaway_redis.start()

    # The same app, untouched: the pool reconnects on the next request.
    back = await client.post("/events/pageview", json=PAGEVIEW)
    assert back.status_code == 202, back.text
    assert (await client.get("/metrics/summary", params={"period": "today"})).status_code == 200
    assert (await client.get("/ready")).status_code == 200
