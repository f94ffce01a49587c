"""What the intake routes share: dedup look-ups before any work, job rows, and handing jobs to Celery.

A job row is committed before its message is sent, so the worker always finds it; if the broker
cannot take the message the job is marked failed at once (``broker_unavailable``) and the caller
gets a 503 instead of a job that would wait forever.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Request
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portfolio_documents.api.schemas import DocumentInfo, JobAccepted
from portfolio_documents.api.uploads import FORM_OVERHEAD
from portfolio_documents.config import DocumentsSettings
from portfolio_documents.models import Document, ProcessingJob
from portfolio_documents.processing import dedup
from portfolio_documents.processing.sources import Source
from portfolio_shared import tracing
from portfolio_shared.errors import PayloadTooLarge, ServiceUnavailable

logger = logging.getLogger("portfolio_documents.api")

PROCESS_JOB = "documents.process_job"  # the task's name (tasks.py); the API never imports the worker
#: The intake routes that take up to ``MAX_UPLOAD_MB`` (the other routes: ``MAX_REQUEST_BODY_KB``).
UPLOAD_PATHS = ("/process/pdf", "/process/text", "/process/batch")


def check_content_length(request: Request, settings: DocumentsSettings) -> None:
    """413 ``payload_too_large`` at once when the declared body exceeds ``MAX_UPLOAD_MB`` (plus form
    overhead)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_upload_bytes + FORM_OVERHEAD:
        raise PayloadTooLarge(
            f"The request body exceeds {settings.max_upload_mb} MB.", max_bytes=settings.max_upload_bytes
        )


def document_info(document: Document) -> DocumentInfo:
    return DocumentInfo(
        document_id=str(document.id),
        document_key=document.document_key,
        source_type=document.source_type,  # type: ignore[arg-type]
        source_url=document.source_url,
        title=document.title,
        pages=document.pages or 0,
        chunks=document.chunks,
        characters=document.characters,
        summary=document.summary,
        content_sha256=document.content_sha256,
        created_at=document.created_at,
    )


async def existing_text(session: AsyncSession, source: Mapping[str, Any], model_id: str) -> Document | None:
    """The stored document a text submission needs no job for (:func:`dedup.already_stored`)."""
    stored = (await session.execute(dedup.same_content(source["content_sha256"]))).scalars().all()
    return dedup.already_stored(
        stored,
        document_key=source["document_key"],
        content_sha256=source["content_sha256"],
        title=source["title"],
        metadata=source["metadata"],
        source_url=source["source_url"],
        model_id=model_id,
    )


async def existing_file(session: AsyncSession, file_sha256: str) -> Document | None:
    """A stored document made from exactly these bytes (an upload or fetch of the same file)."""
    return (
        await session.execute(
            select(Document).where(Document.file_sha256 == file_sha256).order_by(Document.created_at).limit(1)
        )
    ).scalar_one_or_none()


def new_job(session: AsyncSession, source: Source, *, parent_id: uuid.UUID | None = None) -> ProcessingJob:
    job = ProcessingJob(
        id=uuid.uuid4(),
        source=source,
        document_key=source.get("document_key"),
        parent_id=parent_id,
    )
    session.add(job)
    return job


def status_url(request: Request, job_id: uuid.UUID | str) -> str:
    return str(request.url_for("job_status", job_id=str(job_id)).path)


def accepted(request: Request, job_id: uuid.UUID) -> JobAccepted:
    return JobAccepted(job_id=str(job_id), status_url=status_url(request, job_id))


async def enqueue(request: Request, session: AsyncSession, job_ids: Sequence[uuid.UUID]) -> None:
    """Send each (committed) job to the worker queue; on a broker failure fail them and answer 503."""
    settings: DocumentsSettings = request.app.state.settings
    celery = request.app.state.celery

    def send() -> None:
        for job_id in job_ids:
            # The task headers carry this request's trace to the worker's run span (no-op untraced).
            with tracing.span(f"publish {PROCESS_JOB}", kind="producer", attributes={"job_id": str(job_id)}):
                headers = dict(tracing.inject_context({}))
                # No result subscription: a job's outcome is its row in Postgres (see worker.py).
                celery.send_task(
                    PROCESS_JOB,
                    args=[str(job_id)],
                    queue=settings.celery_queue,
                    headers=headers or None,
                    ignore_result=True,
                )

    try:
        await asyncio.to_thread(send)
    except Exception as exc:
        logger.exception("could not enqueue %d job(s)", len(job_ids))
        await session.execute(
            update(ProcessingJob)
            .where(ProcessingJob.id.in_(job_ids), ProcessingJob.state == "queued")
            .values(
                state="failed",
                progress=100,
                error={"code": "broker_unavailable", "message": "The job queue is unavailable."},
            )
        )
        await session.commit()
        raise ServiceUnavailable(
            "The job queue is unavailable; try again.", code="broker_unavailable", retry_after=30
        ) from exc
