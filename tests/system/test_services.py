"""The four services as real subprocesses (the Procfile's own commands, run by honcho)."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator

import psycopg
import pytest

from portfolio_shared.webhooks import sign_headers
from scripts.stack import http_status, services_running

SECRET = "system-test-secret"
URLS = ("CORE_URL", "SCRAPER_URL", "ANALYTICS_URL", "DOCUMENTS_URL")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    processes = ["chroma", "core", "scraper", "analytics", "documents"]
    with services_running(tmp_path_factory.mktemp("stack"), processes, WEBHOOK_SECRETS_SCRAPER=SECRET) as env:
        yield env
    # Stopped: nothing that was started still answers.
    for key in (*URLS, "CHROMA_URL"):
        assert http_status(f"{env[key]}/health", timeout=1) is None, key


@pytest.mark.parametrize("service", URLS)
def test_every_service_is_healthy_and_ready(stack: dict[str, str], service: str) -> None:
    for path in ("/health", "/ready", "/internal/metrics"):
        assert http_status(stack[service] + path) == 200, path


def send(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:  # type: ignore[type-arg]
    request = urllib.request.Request(  # noqa: S310 - our own local URL
        url, data=body, method="POST", headers={**headers, "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own local URL
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_core_acknowledges_a_signed_ping_twice_records_it_once_and_rejects_a_tampered_one(
    stack: dict[str, str],
) -> None:
    url = stack["CORE_URL"] + "/api/webhooks/scraper-complete/"
    msg_id = f"msg_system_{time.time_ns()}"
    body = json.dumps(
        {"type": "ping", "id": msg_id, "created_at": "2026-11-29T02:00:00Z", "data": {}}
    ).encode()
    headers = sign_headers([SECRET], body, msg_id=msg_id)

    assert send(url, body, headers) == (
        200,
        {"received": True, "duplicate": False, "id": msg_id, "type": "ping"},
    )
    assert send(url, body, headers) == (
        200,
        {"received": True, "duplicate": True, "id": msg_id, "type": "ping"},
    )

    status, error = send(url, body.replace(b"ping", b"pong"), headers)
    assert status == 401
    assert error["error"]["code"] == "webhook_invalid_signature"

    with psycopg.connect(stack["CORE_DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT count(*) FROM webhooks_webhookreceipt WHERE webhook_id = %s", (msg_id,)
        ).fetchone()
        total = conn.execute("SELECT count(*) FROM webhooks_webhookreceipt").fetchone()
    assert rows == (1,)
    assert total == (1,)
