"""The document processor skeleton: probes against real Postgres, Redis and Chroma; errors; metrics."""

from __future__ import annotations

import socket
import uuid

import httpx
from sqlalchemy import select

from portfolio_documents.config import DocumentsSettings
from portfolio_documents.main import create_app
from portfolio_documents.models import Document, ProcessingJob


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "documents"}


async def test_ready_with_real_postgres_redis_and_chroma(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert set(checks) == {"postgres", "broker", "chroma"}
    assert all(check["ok"] for check in checks.values())


async def test_not_ready_names_each_unreachable_dependency(settings: DocumentsSettings) -> None:
    broken = settings.model_copy(
        update={
            "database_url": f"postgresql://postgres@127.0.0.1:{closed_port()}/portfolio_documents",
            "chroma_url": f"http://127.0.0.1:{closed_port()}",
        }
    )
    app = create_app(broken)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://d") as client:
        response = await client.get("/ready")
    assert response.status_code == 503
    checks = response.json()["error"]["details"]["checks"]
    assert checks["postgres"]["ok"] is False
    assert checks["chroma"]["ok"] is False
    assert checks["broker"] == {"ok": True, "detail": "ok"}


async def test_metrics_and_unknown_routes(client: httpx.AsyncClient) -> None:
    missing = await client.post("/process/nothing", json={})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    body = (await client.get("/internal/metrics")).text
    assert 'route="<unmatched>",service="documents",status="404"' in body
    assert "http_requests_total" in body


async def test_openapi_and_docs(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert schema["info"]["title"] == "Document processor"
    # The shared outbox routes are mounted, behind service auth (core's admin reads them).
    assert {"/outbox/messages", "/outbox/messages/{msg_id}/retry", "/outbox/messages/{msg_id}"} <= set(
        schema["paths"]
    )
    assert (await client.get("/outbox/messages")).status_code == 401
    assert (await client.get("/docs")).status_code == 200


async def test_session_reaches_the_migrated_tables(settings: DocumentsSettings) -> None:
    app = create_app(settings)
    key = f"project:{uuid.uuid4().hex}"
    async with app.router.lifespan_context(app), app.state.sessions() as session:
        job = ProcessingJob(source={"type": "text", "document_key": key})
        document = Document(document_key=key, source_type="text", content_sha256="0" * 64, meta={"a": 1})
        session.add_all([job, document])
        await session.commit()
        stored_job = (
            await session.execute(select(ProcessingJob).where(ProcessingJob.id == job.id))
        ).scalar_one()
        assert (stored_job.state, stored_job.progress, stored_job.error, stored_job.result) == (
            "queued",
            0,
            None,
            None,
        )
        stored = (await session.execute(select(Document).where(Document.document_key == key))).scalar_one()
        assert stored.meta == {"a": 1}
        assert stored.chunks == 0
