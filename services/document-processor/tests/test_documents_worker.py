"""A real Celery worker (prefork pool) consumes the queue and answers ``ping``."""

from __future__ import annotations

import json
import time
from typing import Any

from portfolio_documents.config import DocumentsSettings
from portfolio_documents.worker import create_celery


def test_worker_answers_ping(celery_worker: Any) -> None:
    client = create_celery(DocumentsSettings(REDIS_URL=celery_worker.redis_url))
    try:
        # The first call also waits for the worker to start: the message waits in its queue.
        result = client.send_task("documents.ping", queue=celery_worker.queue)
        assert result.get(timeout=120) == "pong"
        assert result.state == "SUCCESS"
    finally:
        client.close()

    # The worker logs through the shared JSON handler, tagged with its own service name. Celery stores
    # the result before its child process logs "succeeded", so the line may come a moment after it.
    deadline = time.monotonic() + 10
    while True:
        entries = [
            json.loads(line) for line in celery_worker.log.read_text().splitlines() if line.startswith("{")
        ]
        if any("documents.ping" in entry["message"] for entry in entries) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert entries, celery_worker.log.read_text()[-2000:]
    assert {entry["service"] for entry in entries} == {"documents-worker"}
    assert any("documents.ping" in entry["message"] for entry in entries)


def test_the_broker_is_celery_broker_url_not_redis_url() -> None:
    settings = DocumentsSettings(
        REDIS_URL="redis://cache.example:6379/0", CELERY_BROKER_URL="redis://broker.example:6379/2"
    )
    client = create_celery(settings)
    try:
        assert client.conf.broker_url == "redis://broker.example:6379/2"
        assert client.conf.result_backend == "redis://broker.example:6379/2"
    finally:
        client.close()
