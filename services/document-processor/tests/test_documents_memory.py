"""A worker child that runs out of its address space (``WORKER_MEMORY_LIMIT_MB``) fails its job with a
clean error, and the worker goes on: the backstop behind the inflation caps (pdf_guard).

The worker here gets a limit far below what the caps assume, so that a PDF the inflation check lets
through (one stream just under the 256 MiB cap) still takes more memory than the child may use: PDFium
aborts the child, Celery hands the message back, and the job's next attempt fails it for good.
tests/infra/test_worker_memory.py checks that production's limits leave no such gap.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from conftest import QUEUE, Worker, running_worker
from pdf_factory import flate_bomb, raw_pdf
from test_documents_hostile import process
from test_documents_ssrf import documents_api

from portfolio_documents.config import DocumentsSettings
from portfolio_documents.processing.pdf.guard import DEFAULT_MAX_STREAM_BYTES, MiB, check_inflation
from portfolio_documents.worker import create_celery

#: Under conftest's queue name, so its clean-up removes this queue's Redis keys too.
SMALL_QUEUE = f"{QUEUE}-small"
#: Enough for a child to start and take tasks, far too little for PDFium to inflate a stream of almost
#: 256 MiB (it holds twice that).
SMALL_LIMIT_MB = 640


@pytest.fixture(scope="module")
def small_worker(
    database_url: str, chroma_url: str, media_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    log_path = tmp_path_factory.mktemp("small-worker") / "worker.log"
    services = {"database_url": database_url, "chroma_url": chroma_url, "media_root": media_root}
    limits = {"WORKER_MEMORY_LIMIT_MB": str(SMALL_LIMIT_MB), "MAX_JOB_ATTEMPTS": "1"}
    with running_worker(SMALL_QUEUE, log_path, allow_private=True, extra_env=limits, **services) as worker:
        yield worker


@pytest.fixture
async def small_api(settings: DocumentsSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with documents_api(settings.model_copy(update={"celery_queue": SMALL_QUEUE})) as client:
        yield client


async def test_a_child_over_its_memory_limit_fails_the_job_not_the_worker(
    small_worker: Worker, small_api: httpx.AsyncClient
) -> None:
    data = raw_pdf(flate_bomb(DEFAULT_MAX_STREAM_BYTES - 16 * MiB))
    assert check_inflation(data) > SMALL_LIMIT_MB * MiB // 3  # the caps let it through

    job = await process(small_api, data, "memory:bomb")

    assert job["state"] == "failed"
    assert job["error"]["code"] == "worker_lost", job
    assert set(job["error"]) == {"code", "message"}
    os.kill(small_worker.pid, 0)  # raises if the worker's main process is gone
    assert "SIGABRT" in small_worker.log.read_text() or "MemoryError" in small_worker.log.read_text()

    # The same worker, with a fresh child, still takes tasks.
    celery = create_celery(DocumentsSettings(REDIS_URL=small_worker.redis_url))
    try:
        assert celery.send_task("documents.ping", queue=small_worker.queue).get(timeout=60) == "pong"
    finally:
        celery.close()
