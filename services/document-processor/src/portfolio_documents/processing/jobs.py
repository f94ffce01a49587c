"""Processing jobs in Postgres, seen from the worker: attempts, stages, outcomes and their webhook.

Every write here is a short transaction of its own, except :func:`finish`, which the pipeline calls
inside the transaction that also stores the document, so the job's end, the document and the
``document.processed`` outbox message commit together or not at all.

A job runs under a Postgres advisory lock held by the running process's own connection: a second
delivery of the same message (Redis redelivers after the visibility timeout) finds it taken and
leaves; a process that dies releases it with its connection, so the redelivery can run.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from portfolio_documents.models import ProcessingJob
from portfolio_shared.outbox import enqueue_webhook
from portfolio_shared.schemas import DOCUMENT_PROCESSED, DocumentProcessed, JobError

TERMINAL = frozenset({"succeeded", "failed", "partial"})
WORKER_LOST = "worker_lost"


@dataclass(frozen=True)
class Attempt:
    """A job claimed for one run: its id, source and how many runs (this one included) began."""

    job_id: uuid.UUID
    source: dict[str, Any]
    document_key: str | None
    attempts: int
    parent_id: uuid.UUID | None


def _lock_key(job_id: uuid.UUID) -> int:
    # A signed 64-bit key from the job id (pg_advisory_lock takes a bigint).
    return int.from_bytes(hashlib.sha256(job_id.bytes).digest()[:8], "big", signed=True)


@contextmanager
def job_lock(engine: Engine, job_id: uuid.UUID) -> Iterator[bool]:
    """Hold the job's advisory lock for the block; yields False when another process holds it."""
    with engine.connect() as conn:
        key = _lock_key(job_id)
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()


def begin_attempt(session: Session, job_id: uuid.UUID, *, worker_pid: int | None = None) -> Attempt | None:
    """Claim ``job_id`` for a run: None when it is unknown or already ended (re-running a finished job
    does nothing); otherwise ``attempts`` goes up by one and the job restarts at ``fetching``."""
    job = session.execute(
        select(ProcessingJob).where(ProcessingJob.id == job_id).with_for_update()
    ).scalar_one_or_none()
    if job is None or job.state in TERMINAL:
        session.rollback()
        return None
    job.attempts += 1
    job.state = "fetching"
    job.progress = 1
    job.error = None
    job.result = None
    job.timings = {}
    job.worker_pid = worker_pid if worker_pid is not None else os.getpid()
    job.started_at = func.now()  # type: ignore[assignment]
    attempt = Attempt(job.id, dict(job.source), job.document_key, job.attempts, job.parent_id)
    if job.parent_id is not None:
        session.execute(
            update(ProcessingJob)
            .where(ProcessingJob.id == job.parent_id, ProcessingJob.state == "queued")
            .values(state="running", started_at=func.now())
        )
    session.commit()
    return attempt


def set_stage(
    session: Session, job_id: uuid.UUID, state: str, progress: int, timings: Mapping[str, float] | None = None
) -> None:
    """Record the job's current stage and progress (never on an ended job)."""
    values: dict[str, Any] = {"state": state, "progress": max(0, min(99, progress))}
    if timings is not None:
        values["timings"] = dict(timings)
    session.execute(
        update(ProcessingJob)
        .where(ProcessingJob.id == job_id, ProcessingJob.state.not_in(TERMINAL))
        .values(**values)
    )
    session.commit()


def finish(
    session: Session,
    job_id: uuid.UUID,
    *,
    payload: DocumentProcessed,
    result: Mapping[str, Any] | None = None,
    timings: Mapping[str, float] | None = None,
) -> None:
    """End the job as ``payload.state`` and add the ``document.processed`` message, in ``session``'s
    transaction (the caller commits). ``result`` is stored on success, ``payload.error`` on failure."""
    values: dict[str, Any] = {
        "state": payload.state,
        "progress": 100,
        "finished_at": func.now(),
        "worker_pid": None,
        "result": dict(result) if result is not None else None,
        "error": payload.error.model_dump(mode="json") if payload.error is not None else None,
    }
    if timings is not None:
        values["timings"] = dict(timings)
    parent_id = session.execute(
        update(ProcessingJob)
        .where(ProcessingJob.id == job_id)
        .values(**values)
        .returning(ProcessingJob.parent_id)
    ).scalar_one()
    # Delivered to the receiver portfolio_shared.contracts declares for the type.
    enqueue_webhook(
        session.connection().connection.cursor(), DOCUMENT_PROCESSED, payload.model_dump(mode="json")
    )
    if parent_id is not None:
        refresh_batch(session, parent_id)


def refresh_batch(session: Session, batch_id: uuid.UUID) -> None:
    """Bring a batch job's state and progress in line with its items (call inside a transaction)."""
    session.execute(select(ProcessingJob.id).where(ProcessingJob.id == batch_id).with_for_update())
    rows = session.execute(
        select(ProcessingJob.state, ProcessingJob.progress).where(ProcessingJob.parent_id == batch_id)
    ).all()
    if not rows:
        return
    states = [row.state for row in rows]
    progress = sum(row.progress for row in rows) // len(rows)
    values: dict[str, Any] = {"progress": progress}
    if all(state in TERMINAL for state in states):
        if all(state == "succeeded" for state in states):
            values["state"] = "succeeded"
        elif all(state == "failed" for state in states):
            values["state"] = "failed"
        else:
            values["state"] = "partial"
        values.update(progress=100, finished_at=func.now())
        values["result"] = {"items": len(states), "succeeded": states.count("succeeded")}
        if values["state"] == "failed":
            values["error"] = {"code": "batch_failed", "message": "Every item of the batch failed."}
    elif any(state != "queued" for state in states):
        values["state"] = "running"
    session.execute(update(ProcessingJob).where(ProcessingJob.id == batch_id).values(**values))


def job_state(session: Session, job_id: uuid.UUID) -> str | None:
    return session.execute(select(ProcessingJob.state).where(ProcessingJob.id == job_id)).scalar_one_or_none()


def http_url(url: object) -> str | None:
    """``url`` when it is an http(s) URL (what the webhook's ``source_url`` accepts), else None."""
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


def fail_job(
    sessions: sessionmaker[Session],
    job_id: uuid.UUID | str,
    code: str,
    message: str,
    *,
    timings: Mapping[str, float] | None = None,
) -> bool:
    """End a job that has not ended yet as ``failed`` with ``{code, message}`` and queue the
    ``document.processed`` message saying so; False when the job is unknown or already ended."""
    job_id = uuid.UUID(str(job_id))
    with sessions() as session, session.begin():
        job = session.execute(
            select(ProcessingJob).where(ProcessingJob.id == job_id).with_for_update()
        ).scalar_one_or_none()
        if job is None or job.state in TERMINAL:
            return False
        source = job.source
        if source.get("type") == "batch":
            job.state, job.progress, job.error = "failed", 100, {"code": code, "message": message}
            return True
        payload = DocumentProcessed(
            job_id=str(job_id),
            document_key=job.document_key or f"job:{job_id}",
            state="failed",
            source_type=source.get("type", "text"),
            source_url=http_url(source.get("url") or source.get("source_url")),
            title=source.get("title"),
            error=JobError(code=code, message=message),
        )
        finish(session, job_id, payload=payload, timings=timings)
    return True
