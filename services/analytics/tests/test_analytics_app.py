"""The analytics skeleton: probes against the real Redis, errors, metrics, and Socket.IO mounted."""

from __future__ import annotations

import json
import socket

import httpx

from portfolio_analytics.config import AnalyticsSettings
from portfolio_analytics.main import create_app


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "analytics"}


async def test_ready_with_the_real_redis(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"redis": {"ok": True, "detail": "ok"}}


async def test_not_ready_when_redis_is_unreachable() -> None:
    settings = AnalyticsSettings(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0", ENVIRONMENT="test")
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as client:
        response = await client.get("/ready")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "not_ready"
    assert response.json()["error"]["details"]["checks"]["redis"]["ok"] is False


async def test_metrics_and_unknown_routes(client: httpx.AsyncClient) -> None:
    missing = await client.get("/metrics/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    body = (await client.get("/internal/metrics")).text
    assert 'route="<unmatched>",service="analytics",status="404"' in body


async def test_lifespan_opens_the_redis_client(settings: AnalyticsSettings) -> None:
    app = create_app(settings)
    api = app.other_asgi_app
    async with api.router.lifespan_context(api):
        assert await api.state.redis.ping() is True


async def test_engineio_handshake_is_served_under_ws_realtime(client: httpx.AsyncClient) -> None:
    response = await client.get("/ws/realtime/", params={"EIO": "4", "transport": "polling"})
    assert response.status_code == 200
    assert response.text.startswith("0{")
    opened = json.loads(response.text[1:])
    assert opened["sid"]
    assert "websocket" in opened["upgrades"]
    # Socket.IO traffic bypasses the HTTP plumbing; the API's paths still reach FastAPI.
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "Analytics"
