"""Celery tasks: thin wrappers that take ids (JSON) and call the processing pipeline.

Only idempotent tasks set ``acks_late=True`` (see :mod:`portfolio_documents.worker`).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from celery import Task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import pool
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from portfolio_documents import runtime
from portfolio_documents.config import get_settings
from portfolio_documents.processing.jobs import fail_job
from portfolio_documents.worker import app
from portfolio_shared.health import DB_CONNECT_TIMEOUT_S
from portfolio_shared.sql import sqlalchemy_url

logger = logging.getLogger("portfolio_documents.tasks")

PROCESS_JOB = "documents.process_job"
TIMEOUT = "timeout"
INTERNAL_ERROR = "internal_error"
#: Errors worth another try (a restarting Postgres or Chroma); anything else fails the job at once.
TRANSIENT = (OperationalError, ConnectionError, httpx.TransportError)


@app.task(name="documents.ping", acks_late=True)  # idempotent: answering twice is harmless
def ping() -> str:
    """Proves a worker is consuming the queue."""
    return "pong"


class JobTask(Task):  # type: ignore[misc]  # celery ships no type hints
    """Ends the job when the hard time limit killed its child.

    Celery calls ``on_failure`` in the worker's main process for a hard time limit; the job row would
    otherwise stay mid-stage forever. A one-off engine without a pool keeps the main process free
    of connections its future children would inherit.
    """

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        if isinstance(exc, TimeLimitExceeded) and args:
            engine = create_sync_engine(
                sqlalchemy_url(get_settings().database_url),
                poolclass=pool.NullPool,
                connect_args={"connect_timeout": DB_CONNECT_TIMEOUT_S},
            )
            try:
                fail_job(
                    sessionmaker(engine),
                    args[0],
                    TIMEOUT,
                    f"Processing took longer than {get_settings().task_time_limit} s and was stopped.",
                )
            finally:
                engine.dispose()


# Idempotent (a finished job is left alone; a restarted one replaces by key), so acks_late is safe.
@app.task(
    name=PROCESS_JOB,
    base=JobTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=2,
)
def process_job(self: Task, job_id: str) -> str | None:
    """Run processing job ``job_id``; return its final state (None: nothing to do)."""
    settings = get_settings()
    pipeline = runtime.build_pipeline(settings)
    try:
        return pipeline.run(job_id)
    except SoftTimeLimitExceeded:
        pipeline.fail(job_id, TIMEOUT, f"Processing took longer than {settings.task_time_limit - 30} s.")
        return "failed"
    except TRANSIENT as exc:
        if self.request.retries < self.max_retries:
            logger.warning("job %s: transient %s, retrying", job_id, type(exc).__name__)
            raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc
        logger.exception("job %s failed after retries", job_id)
        pipeline.fail(job_id, INTERNAL_ERROR, "A dependency stayed unavailable; the job was stopped.")
        return "failed"
    except Exception:
        logger.exception("job %s failed unexpectedly", job_id)
        pipeline.fail(job_id, INTERNAL_ERROR, "An unexpected error stopped the job.")
        return "failed"
