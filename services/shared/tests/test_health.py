"""Readiness checks against the real Postgres and Redis, a local HTTP server and closed ports."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from portfolio_shared.fastapi_app import create_service_app
from portfolio_shared.health import (
    ReadinessCheck,
    check_http,
    check_postgres,
    check_redis,
    http_check,
    libpq_url,
    postgres_check,
    redact_url,
    redis_check,
    run_check,
)
from portfolio_shared.redis_timeouts import SOCKET_TIMEOUT_S, socket_timeouts
from portfolio_shared.settings import ServiceSettings
from portfolio_shared.testing_sockets import silent_server

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path == "/ok" else 503
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


async def test_postgres_check_passes_against_the_real_server() -> None:
    assert await check_postgres(POSTGRES_URL) == (True, "ok")
    # SQLAlchemy's driver-qualified URL works too.
    assert await check_postgres(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://")) == (
        True,
        "ok",
    )


async def test_postgres_check_fails_on_a_closed_port() -> None:
    ok, detail = await check_postgres(f"postgresql://postgres@127.0.0.1:{closed_port()}/postgres")
    assert not ok
    assert detail.startswith("OperationalError")


async def test_postgres_check_fails_on_a_missing_database() -> None:
    missing = f"missing_{uuid.uuid4().hex[:8]}"
    ok, detail = await check_postgres(f"{POSTGRES_URL.rsplit('/', 1)[0]}/{missing}")
    assert not ok
    assert missing in detail


async def test_redis_check_passes_against_the_real_server() -> None:
    assert await check_redis(REDIS_URL) == (True, "ok")


async def test_redis_check_fails_on_a_closed_port() -> None:
    ok, detail = await check_redis(f"redis://127.0.0.1:{closed_port()}/0")
    assert not ok
    assert "ConnectionError" in detail


async def test_a_silent_redis_fails_the_check_within_the_socket_timeout() -> None:
    # Accepts the connection and never answers: only the client's read timeout ends the wait,
    # however long the caller was prepared to wait overall.
    with silent_server() as (host, port):
        started = time.monotonic()
        ok, _ = await check_redis(f"redis://{host}:{port}/0", timeout_s=10)
        elapsed = time.monotonic() - started
    assert not ok
    assert elapsed < SOCKET_TIMEOUT_S + 0.5


def test_every_redis_client_option_is_bounded_by_one_second() -> None:
    assert socket_timeouts() == {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
    assert socket_timeouts(30) == socket_timeouts()
    assert socket_timeouts(0.25)["socket_timeout"] == 0.25


async def test_http_check_needs_a_2xx(http_server: str) -> None:
    assert await check_http(f"{http_server}/ok") == (True, "HTTP 200")
    ok, detail = await check_http(f"{http_server}/unwell")
    assert not ok
    assert detail.startswith("HTTP 503")


async def test_http_check_fails_on_a_closed_port() -> None:
    ok, detail = await check_http(f"http://127.0.0.1:{closed_port()}/")
    assert not ok
    assert "ConnectError" in detail


async def test_run_check_turns_hangs_and_crashes_into_failures() -> None:
    async def hangs() -> tuple[bool, str]:
        await asyncio.Event().wait()
        return True, "never"

    async def crashes() -> tuple[bool, str]:
        raise ValueError("bad config\nsecond line")

    assert await run_check(ReadinessCheck("slow", hangs), timeout_s=0.05) == (False, "timed out after 0.05s")
    assert await run_check(ReadinessCheck("bad", crashes)) == (False, "ValueError: bad config")


def test_urls_are_normalised_and_redacted() -> None:
    assert libpq_url("postgresql+psycopg://u:p@h/db") == "postgresql://u:p@h/db"
    assert libpq_url("postgresql://h/db") == "postgresql://h/db"
    assert redact_url("redis://user:s3cret@host:6379/0") == "redis://user:***@host:6379/0"
    assert redact_url("http://host/x") == "http://host/x"


async def test_ready_endpoint_with_real_dependencies(http_server: str) -> None:
    settings = ServiceSettings()
    good = [postgres_check(POSTGRES_URL), redis_check(REDIS_URL), http_check(f"{http_server}/ok", "peer")]
    app = create_service_app(service="health-test", settings=settings, title="t", checks=good)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {
        "postgres": {"ok": True, "detail": "ok"},
        "redis": {"ok": True, "detail": "ok"},
        "peer": {"ok": True, "detail": "HTTP 200"},
    }

    bad = [postgres_check(POSTGRES_URL), redis_check(f"redis://127.0.0.1:{closed_port()}/0")]
    app = create_service_app(service="health-test", settings=settings, title="t", checks=bad)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.get("/ready")
    assert response.status_code == 503
    checks = response.json()["error"]["details"]["checks"]
    assert checks["postgres"]["ok"] is True
    assert checks["redis"]["ok"] is False
