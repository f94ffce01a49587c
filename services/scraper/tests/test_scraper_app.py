"""The scraper skeleton answers its probes, metrics and errors like every service."""

from __future__ import annotations

import socket
import uuid

import httpx
from sqlalchemy import select

from portfolio_scraper.config import ScraperSettings
from portfolio_scraper.main import create_app
from portfolio_scraper.models import ScrapeJob


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "scraper"}
    assert response.headers["x-request-id"]


async def test_ready_with_the_real_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"postgres": {"ok": True, "detail": "ok"}}


async def test_not_ready_when_postgres_is_unreachable() -> None:
    settings = ScraperSettings(
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:{closed_port()}/portfolio_scraper", ENVIRONMENT="test"
    )
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scraper") as client:
        response = await client.get("/ready")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "not_ready"
    assert error["details"]["checks"]["postgres"]["ok"] is False


async def test_metrics_count_requests_by_route(client: httpx.AsyncClient) -> None:
    await client.get("/health")
    body = (await client.get("/internal/metrics")).text
    assert 'http_requests_total{method="GET",route="/health",service="scraper",status="200"}' in body


async def test_unknown_route_is_a_404_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/route")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_openapi_and_docs(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert schema["info"]["title"] == "Scraper"
    # The shared outbox routes are mounted, behind service auth (core's admin reads them).
    assert {"/outbox/messages", "/outbox/messages/{msg_id}/retry", "/outbox/messages/{msg_id}"} <= set(
        schema["paths"]
    )
    assert (await client.get("/outbox/messages")).status_code == 401
    assert "/ready" in schema["paths"]
    assert (await client.get("/docs")).status_code == 200


async def test_session_reaches_the_migrated_tables(settings: ScraperSettings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app), app.state.sessions() as session:
        job = ScrapeJob(source="arxiv", params={"days": 2})
        session.add(job)
        await session.commit()
        stored = (await session.execute(select(ScrapeJob).where(ScrapeJob.id == job.id))).scalar_one()
        assert isinstance(stored.id, uuid.UUID)
        assert stored.state == "queued"
        assert stored.counts == {} and stored.errors == []
        assert stored.created_at is not None
