"""create_service_app: request ids, access log, metrics by route template, probes, errors."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, WebSocket
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from portfolio_shared.errors import NotFound
from portfolio_shared.fastapi_app import create_service_app
from portfolio_shared.health import ReadinessCheck
from portfolio_shared.log import JsonFormatter, get_request_id
from portfolio_shared.metrics import UNMATCHED_ROUTE
from portfolio_shared.settings import ServiceSettings


class JsonLines(logging.Handler):
    """Collects every record as the JSON line the stdout handler would print."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter("test"))
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def json_logs() -> Iterator[JsonLines]:
    handler = JsonLines()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def build_app(service: str, checks: list[ReadinessCheck] | None = None) -> FastAPI:
    things = APIRouter(prefix="/things")

    @things.get("/{thing_id}")
    async def get_thing(thing_id: int) -> dict[str, Any]:
        if thing_id == 404:
            raise NotFound("No such thing.")
        return {"thing_id": thing_id, "request_id": get_request_id()}

    @things.get("/boom/now")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    app = create_service_app(
        service=service,
        settings=ServiceSettings(LOG_LEVEL="INFO"),
        title="Test service",
        checks=checks or [],
        routers=[things],
    )

    async def plain(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("mounted")(scope, receive, send)

    app.mount("/plain", plain)
    return app


@pytest.fixture
def service() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def client(service: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(service))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def requests_total(service: str, route: str, method: str = "GET", status: str = "200") -> float:
    value = REGISTRY.get_sample_value(
        "http_requests_total", {"service": service, "route": route, "method": method, "status": status}
    )
    return value or 0.0


async def test_request_id_is_generated_when_absent(client: httpx.AsyncClient) -> None:
    first = await client.get("/things/1")
    second = await client.get("/things/1")
    assert first.status_code == 200
    request_id = first.headers["x-request-id"]
    assert len(request_id) == 32
    # The handler saw the same id through the context variable.
    assert first.json()["request_id"] == request_id
    assert second.headers["x-request-id"] != request_id


async def test_sane_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/things/2", headers={"X-Request-ID": "caller-abc-123"})
    assert response.headers["x-request-id"] == "caller-abc-123"
    assert response.json()["request_id"] == "caller-abc-123"


async def test_garbage_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get("/things/3", headers={"X-Request-ID": "x" * 500})
    assert response.headers["x-request-id"] != "x" * 500
    assert len(response.headers["x-request-id"]) == 32
    assert response.json()["request_id"] == response.headers["x-request-id"]


async def test_request_id_is_on_error_responses(client: httpx.AsyncClient) -> None:
    missing = await client.get("/nowhere", headers={"X-Request-ID": "rid-404"})
    assert missing.status_code == 404
    assert missing.headers["x-request-id"] == "rid-404"
    assert missing.json()["error"]["code"] == "not_found"


async def test_access_log_line_is_json_with_request_id(
    client: httpx.AsyncClient, json_logs: JsonLines
) -> None:
    await client.get("/things/5", headers={"X-Request-ID": "rid-access"})
    access = [line for line in json_logs.lines if line["logger"] == "portfolio.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "rid-access"
    assert line["method"] == "GET"
    assert line["path"] == "/things/5"
    assert line["status"] == 200
    assert line["severity"] == "INFO"
    assert isinstance(line["duration_ms"], float | int)


async def test_access_log_goes_to_stdout(service: str, capsys: pytest.CaptureFixture[str]) -> None:
    app = build_app(service)  # configures logging onto this test's captured stdout
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            await c.get("/things/9", headers={"X-Request-ID": "rid-stdout"})
        out = capsys.readouterr().out
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_portfolio", False)]:
            root.removeHandler(handler)
    entries = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    access = [e for e in entries if e.get("logger") == "portfolio.access"]
    assert access[0]["service"] == service
    assert access[0]["request_id"] == "rid-stdout"
    assert access[0]["status"] == 200


async def test_unhandled_exception_is_a_500_envelope_with_request_id(
    client: httpx.AsyncClient, json_logs: JsonLines
) -> None:
    response = await client.get("/things/boom/now", headers={"X-Request-ID": "rid-boom"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "rid-boom"
    assert response.json()["error"]["code"] == "internal_error"
    assert "secret internals" not in response.text
    [error] = [line for line in json_logs.lines if line["logger"] == "portfolio.errors"]
    assert error["request_id"] == "rid-boom"
    assert "RuntimeError: secret internals" in error["exception"]
    [access] = [line for line in json_logs.lines if line["logger"] == "portfolio.access"]
    assert access["status"] == 500


async def test_metrics_are_labelled_by_route_template(client: httpx.AsyncClient, service: str) -> None:
    await client.get("/things/1")
    await client.get("/things/2")
    await client.get("/things/404")
    await client.get("/nowhere/at/all")
    await client.get("/plain/inner/path")
    assert requests_total(service, "/things/{thing_id}") == 2
    assert requests_total(service, "/things/{thing_id}", status="404") == 1
    assert requests_total(service, UNMATCHED_ROUTE, status="404") == 1
    assert requests_total(service, "/plain/{path}") == 1
    assert requests_total(service, "/things/1") == 0

    exposition = (await client.get("/internal/metrics")).text
    assert f'route="/things/{{thing_id}}",service="{service}",status="200"' in exposition
    assert "http_request_duration_seconds_bucket" in exposition


async def test_health_is_liveness_only(service: str) -> None:
    async def broken() -> tuple[bool, str]:
        return False, "down"

    app = build_app(service, [ReadinessCheck("db", broken)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": service}


async def test_ready_reports_every_check(service: str) -> None:
    async def fine() -> tuple[bool, str]:
        return True, "ok"

    async def broken() -> tuple[bool, str]:
        return False, "connection refused"

    async def crashing() -> tuple[bool, str]:
        raise OSError("no route to host")

    ready_app = build_app(service, [ReadinessCheck("db", fine), ReadinessCheck("cache", fine)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=ready_app), base_url="http://t") as c:
        ok = await c.get("/ready")
    assert ok.status_code == 200
    assert ok.json()["status"] == "ready"
    assert ok.json()["checks"] == {"db": {"ok": True, "detail": "ok"}, "cache": {"ok": True, "detail": "ok"}}

    checks = [ReadinessCheck("db", fine), ReadinessCheck("cache", broken), ReadinessCheck("x", crashing)]
    failing_app = build_app(service, checks)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=failing_app), base_url="http://t") as c:
        failing = await c.get("/ready")
    assert failing.status_code == 503
    error = failing.json()["error"]
    assert error["code"] == "not_ready"
    assert "cache" in error["message"] and "x" in error["message"]
    assert error["details"]["checks"]["db"] == {"ok": True, "detail": "ok"}
    assert error["details"]["checks"]["cache"] == {"ok": False, "detail": "connection refused"}
    assert error["details"]["checks"]["x"] == {"ok": False, "detail": "OSError: no route to host"}


async def test_docs_and_openapi_are_served(client: httpx.AsyncClient) -> None:
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]
    schema = (await client.get("/openapi.json")).json()
    assert {"/health", "/ready", "/things/{thing_id}"} <= set(schema["paths"])
    assert "/internal/metrics" not in schema["paths"]
    ready_503 = schema["paths"]["/ready"]["get"]["responses"]["503"]
    assert ready_503["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorEnvelope"
    }


def test_websocket_scopes_pass_through_the_middlewares(service: str) -> None:
    app = build_app(service)

    @app.websocket("/echo")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello " + (await websocket.receive_text()))
        await websocket.close()

    # httpx's ASGITransport has no websockets; Starlette's TestClient has.
    with TestClient(app) as sync_client, sync_client.websocket_connect("/echo") as ws:
        ws.send_text("there")
        assert ws.receive_text() == "hello there"
