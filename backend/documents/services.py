"""Writes of the document mirrors: webhook outcomes, submitted jobs, polled statuses.

Ordering rules (deliveries may arrive late and out of order; the outbox retries with backoff):

- A job's webhook is applied unless the row already reflects a *later* webhook. A polled status
  never moves a finished job back to queued/running, and progress never goes down while running.
- A document follows the event with the latest ``created_at``; an older event that arrives after a
  newer one (another job of the same ``document_key``) changes nothing on the document.
- A failed processing leaves the content of the last successful one in place (the processor keeps
  serving its chunks); it records the state and the error.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from documents.models import (
    TERMINAL_STATES,
    Document,
    DocumentState,
    JobState,
    ProcessingJob,
    SourceType,
)
from portfolio_shared.schemas import DocumentInfo, DocumentProcessed
from portfolio_shared.schemas import ProcessingJob as JobStatus


def _outcome(event: DocumentProcessed) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    if event.state == "failed":
        return (event.error.model_dump(mode="json") if event.error else None), None
    result = {
        "document_id": event.document_id,
        "pages": event.pages,
        "chunks": event.chunks,
        "characters": event.characters,
        "summary": event.summary,
    }
    return None, result


def _job_from_event(event: DocumentProcessed, occurred_at: datetime) -> ProcessingJob:
    job, _ = ProcessingJob.objects.select_for_update().get_or_create(
        job_id=event.job_id, defaults={"source_type": event.source_type}
    )
    if job.source_type == SourceType.BATCH:
        # One event per document of the batch: none of them is the batch's own outcome (polled instead).
        return job
    if job.last_event_at is not None and occurred_at < job.last_event_at:
        return job
    error, result = _outcome(event)
    job.state = event.state
    job.progress = 100
    job.error, job.result = error, result
    job.document_key = event.document_key
    job.source_type = event.source_type
    job.source_url = event.source_url or job.source_url
    job.last_event_at = occurred_at
    job.save()
    return job


def _document_from_event(event: DocumentProcessed, occurred_at: datetime) -> Document:
    document, created = Document.objects.select_for_update().get_or_create(
        document_key=event.document_key,
        defaults={"source_type": event.source_type, "state": event.state},
    )
    if not created and document.last_processed_at is not None and occurred_at < document.last_processed_at:
        return document
    document.state = event.state
    document.last_job_id = event.job_id
    document.last_processed_at = occurred_at
    never_succeeded = not document.document_id
    if event.state == "succeeded" or never_succeeded:
        document.source_type = event.source_type
        document.source_url = event.source_url or ""
        document.title = (event.title or "")[:500]
    if event.state == "succeeded":
        document.document_id = event.document_id or ""
        document.pages, document.chunks = event.pages, event.chunks
        document.characters = event.characters
        document.summary = event.summary or ""
        document.content_sha256 = event.content_sha256 or ""
        document.error = None
    else:
        document.error = event.error.model_dump(mode="json") if event.error else None
    document.save()
    return document


@transaction.atomic
def apply_document_processed(
    *, event: DocumentProcessed, occurred_at: datetime
) -> tuple[ProcessingJob, Document]:
    """Record a ``document.processed`` event (emitted at ``occurred_at``) on both mirrors."""
    return _job_from_event(event, occurred_at), _document_from_event(event, occurred_at)


@transaction.atomic
def record_submitted_job(
    *,
    job_id: str,
    source_type: str,
    source_name: str = "",
    source_url: str = "",
    document_key: str = "",
    status_url: str = "",
    requested_by: AbstractBaseUser | None = None,
) -> ProcessingJob:
    """The mirror row of a job the admin just started (the processor answered 202).

    The job's webhook may already have arrived (a fast processor): then only what the webhook does
    not know (who asked, the file's name, the status URL) is added to its row.
    """
    job, created = ProcessingJob.objects.select_for_update().get_or_create(
        job_id=job_id,
        defaults={
            "source_type": source_type,
            "source_name": source_name[:500],
            "source_url": source_url,
            "document_key": document_key,
            "status_url": status_url,
            "requested_by": requested_by,
        },
    )
    if not created:
        job.source_name = job.source_name or source_name[:500]
        job.status_url = job.status_url or status_url
        job.requested_by = job.requested_by or requested_by  # type: ignore[assignment]
        job.save(update_fields=["source_name", "status_url", "requested_by", "updated_at"])
    return job


@transaction.atomic
def apply_job_status(*, job_id: str, status: JobStatus) -> ProcessingJob:
    """Record what ``GET /process/status/{id}`` answered for ``job_id`` (the admin's refresh)."""
    job = ProcessingJob.objects.select_for_update().get(job_id=job_id)
    job.checked_at = timezone.now()
    finished, reported_finished = job.state in TERMINAL_STATES, status.state in TERMINAL_STATES
    if reported_finished:
        job.state = status.state
        job.progress = 100 if status.state == "succeeded" else max(job.progress, status.progress)
        job.error = status.error.model_dump(mode="json") if status.error else None
        job.result = status.result.model_dump(mode="json") if status.result else job.result
    elif not finished:
        # An answer sent before a later one may be received after it: progress only moves forward.
        job.progress = max(job.progress, status.progress)
        if status.state == "running" or job.state == JobState.QUEUED:
            job.state = status.state
    job.document_key = job.document_key or (status.document_key or "")
    job.save()
    return job


@transaction.atomic
def record_known_document(*, info: DocumentInfo) -> Document:
    """The processor answered 200: this content is already stored. Mirror it if core has no row yet.

    An existing row is left alone: the webhooks keep it, and they carry the event times that order it.
    """
    document, _ = Document.objects.get_or_create(
        document_key=info.document_key,
        defaults={
            "document_id": info.document_id,
            "title": (info.title or "")[:500],
            "source_type": info.source_type,
            "source_url": info.source_url or "",
            "pages": info.pages,
            "chunks": info.chunks,
            "characters": info.characters,
            "summary": info.summary or "",
            "content_sha256": info.content_sha256 or "",
            "state": DocumentState.SUCCEEDED,
        },
    )
    return document
