"""A Redis that accepts connections and never answers costs the API seconds, never a hang.

The broker is a real local socket that accepts and stays silent (portfolio_shared.testing_sockets):
only the clients' own connect and read timeouts end the wait.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from conftest import auth_headers

from portfolio_documents.config import DocumentsSettings
from portfolio_documents.main import create_app
from portfolio_shared.testing_sockets import silent_server

#: Each Redis call gives up after 1 s; Celery's publish makes up to 4 attempts of about 1.5 s each.
#: Before the timeouts, the publish hung for good.
BOUND_S = 10.0


@pytest.fixture
def silent_redis_url() -> Iterator[str]:
    with silent_server() as (host, port):
        yield f"redis://{host}:{port}/0"


@pytest.fixture
async def silent_client(
    settings: DocumentsSettings, silent_redis_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"celery_broker_url": silent_redis_url}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://documents") as client:
            yield client


async def test_a_job_is_refused_with_503_when_the_broker_is_silent(silent_client: httpx.AsyncClient) -> None:
    started = time.monotonic()
    response = await silent_client.post(
        "/process/text",
        json={"document_key": "silent-broker", "title": "t", "text": "Some text to index."},
        headers=auth_headers("core"),
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "broker_unavailable"
    assert elapsed < BOUND_S


async def test_ready_and_metrics_answer_quickly_with_the_broker_down(
    silent_client: httpx.AsyncClient,
) -> None:
    started = time.monotonic()
    ready = await silent_client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["error"]["details"]["checks"]["broker"]["ok"] is False
    metrics = await silent_client.get("/internal/metrics")
    assert metrics.status_code == 200
    assert 'documents_collector_up{source="broker"} 0.0' in metrics.text
    assert time.monotonic() - started < BOUND_S
