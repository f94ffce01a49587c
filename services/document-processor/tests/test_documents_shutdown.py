"""A redeploy strands no job: a real worker that gets SIGTERM mid-task exits within Cloud Run's 10 s
and hands the task back at once, so the next worker picks it up long before the broker's visibility
timeout (30 minutes here, as in production) would have returned it.

The worker runs with the image's ``REMAP_SIGTERM`` (read from the Dockerfile, so the test follows what
is deployed).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import QUEUE, REPO_ROOT, running_worker
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from test_documents_e2e import AUTH, COOKING, DATABASES, JOB_TIMEOUT, parent_pid, wait_for
from test_documents_ssrf import documents_api

from portfolio_documents.config import DocumentsSettings
from portfolio_documents.models import ProcessingJob

#: Under conftest's queue name, so its clean-up removes this queue's Redis keys too.
SHUTDOWN_QUEUE = f"{QUEUE}-shutdown"
#: Cloud Run sends SIGKILL this long after SIGTERM.
GRACE_SECONDS = 10
#: Production's (twice TASK_TIME_LIMIT): a redelivery that waited for it would never come in time.
VISIBILITY_TIMEOUT = 1800


def image_env(name: str) -> str:
    """An ``ENV`` the worker image sets (the Dockerfile's ``worker`` stage)."""
    dockerfile = (REPO_ROOT / "services" / "document-processor" / "Dockerfile").read_text()
    stage = dockerfile.split("AS worker", 1)[1].split("\nFROM ", 1)[0]
    match = re.search(rf"^ENV {name}=(\S+)", stage, re.MULTILINE)
    assert match, f"the worker image sets no {name}"
    return match.group(1)


@pytest.fixture
async def shutdown_api(settings: DocumentsSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with documents_api(settings.model_copy(update={"celery_queue": SHUTDOWN_QUEUE})) as client:
        yield client


def exited_within(pid: int, seconds: float) -> bool:
    """Whether our child ``pid`` exits (and is reaped) within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return True
        time.sleep(0.2)
    return False


async def running_job(engine: Engine, job_id: uuid.UUID) -> Any:
    """The job once a worker child is well into it."""
    deadline = time.monotonic() + JOB_TIMEOUT
    while True:
        with Session(engine) as session:
            job = session.execute(select(ProcessingJob).where(ProcessingJob.id == job_id)).scalar_one()
        if job.state == "embedding" and job.progress > 30 and job.worker_pid:
            return job
        assert job.state not in ("succeeded", "failed"), "the job ended before the worker was stopped"
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)


async def test_sigterm_mid_task_hands_the_job_to_the_next_worker_at_once(
    database_url: str,
    chroma_url: str,
    media_root: Path,
    tmp_path: Path,
    shutdown_api: httpx.AsyncClient,
    sync_engine: Engine,
) -> None:
    env = {"REMAP_SIGTERM": image_env("REMAP_SIGTERM"), "BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    common: dict[str, Any] = {
        "database_url": database_url,
        "chroma_url": chroma_url,
        "media_root": media_root,
        "allow_private": True,
        "extra_env": env,
    }
    words = (COOKING + " " + DATABASES).replace("#", "").split()
    rng = random.Random(11)
    text = "\n\n".join(" ".join(rng.choice(words) for _ in range(150)) + "." for _ in range(160))
    key = f"shutdown:{uuid.uuid4().hex}"
    response = await shutdown_api.post(
        "/process/text", json={"document_key": key, "title": "Long", "text": text}, headers=AUTH
    )
    assert response.status_code == 202, response.text
    job_id = uuid.UUID(response.json()["job_id"])

    with running_worker(SHUTDOWN_QUEUE, tmp_path / "first.log", **common) as first:
        job = await running_job(sync_engine, job_id)
        assert parent_pid(job.worker_pid) == first.pid
        os.kill(first.pid, signal.SIGTERM)
        assert exited_within(first.pid, GRACE_SECONDS), "still running after Cloud Run's grace"

    with running_worker(SHUTDOWN_QUEUE, tmp_path / "second.log", **common):
        final = await wait_for(shutdown_api, response.json()["status_url"], limit=240)
    assert final["state"] == "succeeded", final
    assert final["attempts"] == 2  # the first run was cut short, the second finished it
