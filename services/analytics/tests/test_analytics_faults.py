"""Redis stopped and restarted for real: a throwaway ``redis-server`` on a free port (never the shared
one) is killed under a running app, which then answers 503 ``redis_unavailable`` with the envelope,
and is started again on the same port, after which the same app answers 202 by itself."""

from __future__ import annotations

import asyncio
import random
import shutil
import socket
import string
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

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

    def __init__(self, port: int, directory: Path, *config: str) -> None:
        self.port, self.directory, self.config = port, directory, config
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", *self.config],
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


@asynccontextmanager
async def app_client(redis_url: str, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The analytics app on ``redis_url`` (its lifespan running), called in process."""
    settings = AnalyticsSettings(
        REDIS_URL=redis_url,
        ENVIRONMENT="test",
        **TEST_KEYS_ENV,
        ANALYTICS_DASHBOARD_PUBLIC=True,
        ANALYTICS_SUMMARY_CACHE_SECONDS=0,
        **overrides,
    )
    app = create_app(settings)
    async with app.other_asgi_app.router.lifespan_context(app.other_asgi_app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://analytics", headers=BROWSER) as c:
            yield c


@pytest.fixture
async def client(throwaway_redis: ThrowawayRedis) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(throwaway_redis.url) as c:
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


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """A Redis URL whose server accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in accepted:
            connection.close()
        listener.close()


async def test_a_redis_that_never_answers_is_a_quick_503(silent_redis: str) -> None:
    """Every analytics Redis client reads with a 1 s timeout and does not retry a timeout: each
    request below is answered within about a second (redis-py's defaults would wait without end;
    the earlier 2 s timeout retried once, ~4 s)."""
    async with app_client(silent_redis) as client:
        for method, path, body in [
            ("POST", "/events/pageview", PAGEVIEW),
            ("GET", "/metrics/summary?period=today", None),
        ]:
            async with asyncio.timeout(3):
                assert_unavailable(await client.request(method, path, json=body))
        async with asyncio.timeout(3):
            assert (await client.get("/ready")).status_code == 503


def test_the_socketio_manager_has_the_same_timeouts() -> None:
    from portfolio_analytics.main import create_socketio
    from portfolio_shared.redis_timeouts import socket_timeouts

    settings = AnalyticsSettings(REDIS_URL="redis://127.0.0.1:6379/13", ENVIRONMENT="development")
    manager = create_socketio(settings).manager
    assert manager.redis_options == socket_timeouts()
    assert max(manager.redis_options.values()) <= 1


@pytest.fixture
def full_redis(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    """A throwaway Redis configured as production's analytics instance: small and never evicting."""
    server = ThrowawayRedis(free_port(), tmp_path, "--maxmemory", "3mb", "--maxmemory-policy", "noeviction")
    server.start()
    try:
        yield server
    finally:
        server.kill()


async def test_a_full_analytics_redis_refuses_writes_and_keeps_the_salt_and_aggregates(
    full_redis: ThrowawayRedis,
) -> None:
    rng = random.Random(7)
    # Budgets and caps out of the way: this fills the instance on purpose.
    limits = {"ANALYTICS_IP_BUDGET_BURST": 10**9, "ANALYTICS_DISTINCT_PER_SET": 10**9}
    async with app_client(full_redis.url, **limits) as client:
        assert (await client.post("/events/pageview", json=PAGEVIEW)).status_code == 202
        direct = redis.Redis(port=full_redis.port, decode_responses=True)
        assert direct.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"
        (salt_key,) = direct.keys("an:salt:*")
        salt = direct.get(salt_key)
        full, accepted = None, 0
        for n in range(2000):
            queries = ["".join(rng.choices(string.ascii_lowercase, k=180)) for _ in range(70)]
            batch = {"events": [{"type": "search", "query": q} for q in queries]}
            response = await client.post(
                "/events/batch", json=batch, headers={"User-Agent": f"{BROWSER['User-Agent']} {n}"}
            )
            if response.status_code != 202:
                full = response
                break
            accepted += 70
        assert full is not None, "3 MB should be full long before 2,000 batches"
        assert_unavailable(full)
        assert full.json()["error"]["details"]["reason"] == "OutOfMemoryError"
        # Nothing was evicted and nothing was half-written: the salt is the day's, and the counters
        # hold exactly the requests answered 202.
        assert direct.info("stats")["evicted_keys"] == 0
        assert direct.get(salt_key) == salt
        (day_key,) = direct.keys("an:day:????-??-??")
        assert direct.hget(day_key, "pageviews") == "1"
        assert direct.hget(day_key, "searches") == str(accepted)
        summary = (await client.get("/metrics/summary", params={"period": "today"})).json()
        assert summary["pageViews"]["total"] == 1
        direct.close()
