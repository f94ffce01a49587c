"""Job metrics on ``/internal/metrics`` move when the work happens, and a job's task headers carry
the trace of the request that queued it (real Postgres, Redis broker, Celery worker and Chroma)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import redis
from conftest import FreshAuth, Worker
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client.parser import text_string_to_metric_families

from portfolio_documents.config import DocumentsSettings
from portfolio_documents.main import create_app
from portfolio_shared import tracing

AUTH = FreshAuth("core")
INCOMING_TRACE = "0af7651916cd43dd8448eb211c80319c"
INCOMING = f"00-{INCOMING_TRACE}-b7ad6b7169203331-01"


def sample(exposition: str, name: str, **labels: str) -> float:
    """The value of sample ``name`` with ``labels`` in ``exposition`` (0 when absent)."""
    for family in text_string_to_metric_families(exposition):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


async def scrape(client: httpx.AsyncClient) -> str:
    response = await client.get("/internal/metrics")
    assert response.status_code == 200
    return response.text


@pytest.fixture
def idle_queue(settings: DocumentsSettings) -> Iterator[DocumentsSettings]:
    """Settings whose Celery queue no worker consumes, removed from Redis afterwards."""
    queue = f"test-idle-{uuid.uuid4().hex[:8]}"
    yield settings.model_copy(update={"celery_queue": queue})
    client = redis.Redis.from_url(settings.redis_url)
    try:
        client.delete(queue)
    finally:
        client.close()


@pytest.fixture
async def idle_client(idle_queue: DocumentsSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(idle_queue)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://documents") as c:
            yield c


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    assert tracing.configure_tracing("documents", exporter=exporter)
    try:
        yield exporter
    finally:
        tracing.reset_tracing()


def text_job(key: str) -> dict[str, Any]:
    return {"document_key": key, "title": "Metrics", "text": f"A short note about {key}.", "format": "text"}


async def test_queue_depth_and_queued_jobs_move_when_a_job_waits(
    idle_client: httpx.AsyncClient, idle_queue: DocumentsSettings
) -> None:
    before = await scrape(idle_client)
    assert sample(before, "celery_queue_length", queue=idle_queue.celery_queue) == 0
    assert sample(before, "documents_collector_up", source="broker") == 1
    assert sample(before, "documents_collector_up", source="database") == 1
    queued = sample(before, "documents_jobs_in_progress", state="queued")

    key = f"metrics:{uuid.uuid4().hex[:8]}"
    response = await idle_client.post("/process/text", json=text_job(key), headers=AUTH)
    assert response.status_code == 202, response.text

    after = await scrape(idle_client)
    assert sample(after, "celery_queue_length", queue=idle_queue.celery_queue) == 1
    assert sample(after, "documents_jobs_in_progress", state="queued") == queued + 1


async def test_processed_documents_and_the_outbox_backlog_move_when_a_job_ends(
    celery_worker: Worker, client: httpx.AsyncClient
) -> None:
    before = await scrape(client)
    done = sample(before, "documents_processed_total", state="succeeded", source_type="text")
    backlog = sample(before, "outbox_backlog")

    key = f"metrics:{uuid.uuid4().hex[:8]}"
    response = await client.post("/process/text", json=text_job(key), headers=AUTH)
    assert response.status_code == 202, response.text
    status_url = response.json()["status_url"]
    deadline = time.monotonic() + 300  # the first job also waits for the worker's model to load
    while (job := (await client.get(status_url, headers=AUTH)).json())["state"] not in (
        "succeeded",
        "failed",
        "partial",
    ):
        assert time.monotonic() < deadline, job
        await asyncio.sleep(0.2)
    assert job["state"] == "succeeded", job

    after = await scrape(client)
    assert sample(after, "documents_processed_total", state="succeeded", source_type="text") == done + 1
    # Its document.processed webhook waits in the outbox (no dispatcher runs here).
    assert sample(after, "outbox_collector_up") == 1
    assert sample(after, "outbox_backlog") == backlog + 1
    assert sample(after, "outbox_oldest_pending_age_seconds") > 0


async def test_the_task_headers_carry_the_trace_of_the_request(
    spans: InMemorySpanExporter, idle_queue: DocumentsSettings
) -> None:
    # The API does not instrument Celery (it sends by name): its own producer span and headers do it.
    app = create_app(idle_queue)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://documents") as client:
            response = await client.post(
                "/process/text",
                json=text_job(f"trace:{uuid.uuid4().hex[:8]}"),
                headers={**AUTH, "traceparent": INCOMING},
            )
    assert response.status_code == 202, response.text

    broker = redis.Redis.from_url(idle_queue.redis_url)
    try:
        [raw] = broker.lrange(idle_queue.celery_queue, 0, -1)
    finally:
        broker.close()
    message = json.loads(raw)
    assert json.loads(base64.b64decode(message["body"]))[0] == [response.json()["job_id"]]
    _, trace_id, parent_id, _ = message["headers"]["traceparent"].split("-")
    assert trace_id == INCOMING_TRACE

    by_id = {s.context.span_id: s for s in spans.get_finished_spans()}
    publish = by_id[int(parent_id, 16)]
    assert (publish.kind, publish.name) == (SpanKind.PRODUCER, "publish documents.process_job")
    assert publish.parent is not None
    server = by_id[publish.parent.span_id]
    assert (server.kind, server.name) == (SpanKind.SERVER, "POST /process/text")
