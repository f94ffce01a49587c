"""Analytics tests run against the real Redis (a db number of their own) and, for Socket.IO, a real
uvicorn subprocess on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis

from portfolio_analytics.config import AnalyticsSettings
from portfolio_analytics.main import create_app
from portfolio_shared.auth import SigningKey, generate_keyring, workload_env

REDIS_URL = os.environ.get("TEST_ANALYTICS_REDIS_URL", "redis://127.0.0.1:6379/13")
REPO_ROOT = Path(__file__).resolve().parents[3]
#: The tests' own keys (every caller's private key), so tests can mint dashboard and service tokens.
TEST_KEYS = generate_keyring()
#: What the analytics servers and apps under test hold: every caller's public key, no private key.
TEST_KEYS_ENV = workload_env(TEST_KEYS, signs_as=None, accepts=TEST_KEYS)
#: The one browser origin the subprocess servers allow (CORS and the Socket.IO origin check).
DASHBOARD_ORIGIN = "http://dashboard.test:5173"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def settings() -> AnalyticsSettings:
    return AnalyticsSettings(REDIS_URL=REDIS_URL, ENVIRONMENT="test")


@pytest.fixture
async def client(settings: AnalyticsSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The combined ASGI app (Socket.IO in front of FastAPI), with the FastAPI lifespan running."""
    app = create_app(settings)
    async with app.other_asgi_app.router.lifespan_context(app.other_asgi_app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://analytics") as c:
            yield c


@dataclass(frozen=True)
class Server:
    url: str
    redis_url: str
    channel: str
    #: The Redis key prefix (``ANALYTICS_REDIS_PREFIX``) of this server; unique per test session.
    prefix: str = "an"
    #: The private key of core, whose dashboard tokens the server accepts.
    core_key: SigningKey = TEST_KEYS["core"]


@contextmanager
def uvicorn_process(
    env_overrides: dict[str, str], log_path: Path, *, port: int | None = None, args: tuple[str, ...] = ()
) -> Iterator[str]:
    """``uvicorn portfolio_analytics.main:app`` on a free port; yields its URL once /health answers,
    and stops exactly this process afterwards."""
    port = port or free_port()
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "portfolio_analytics.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-proxy-headers",
            *args,
        ],
        cwd=REPO_ROOT,
        env={**os.environ, **env_overrides},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"uvicorn exited: {log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"analytics did not start within 90 s: {log_path.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()


def delete_prefix(redis_url: str, prefix: str) -> None:
    """Delete this test's keys (never a flush: the db is shared)."""
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
    finally:
        client.close()


def server_env(channel: str, prefix: str) -> dict[str, str]:
    """The environment of a test analytics server: Redis manager on, private dashboard."""
    return {
        "REDIS_URL": REDIS_URL,
        "REALTIME_CHANNEL": channel,
        "ENVIRONMENT": "development",
        "ANALYTICS_REDIS_PREFIX": prefix,
        **TEST_KEYS_ENV,
        "ANALYTICS_DASHBOARD_PUBLIC": "false",
        "ALLOWED_ORIGINS": DASHBOARD_ORIGIN,
    }


@pytest.fixture(scope="session")
def analytics_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``uvicorn portfolio_analytics.main:app`` as a subprocess, with the Redis client manager on."""
    channel = f"test-analytics-{uuid.uuid4().hex[:8]}"
    prefix = f"test-an-{uuid.uuid4().hex[:8]}"
    log_path = tmp_path_factory.mktemp("analytics") / "uvicorn.log"
    try:
        with uvicorn_process(server_env(channel, prefix), log_path) as url:
            yield Server(url=url, redis_url=REDIS_URL, channel=channel, prefix=prefix)
    finally:
        delete_prefix(REDIS_URL, prefix)
