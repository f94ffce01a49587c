"""Core's mirrors of the document processor's jobs and documents (the processor owns the truth).

They are kept by the ``document.processed`` webhook and by the admin's status refreshes; nothing else
writes them. ``last_event_at`` / ``last_processed_at`` hold the time of the event that last changed
a row, so an older event delivered late (outbox retries reorder deliveries) is recognised and ignored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portfolio_shared.schemas import MAX_URL_LENGTH


class JobState(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"


TERMINAL_STATES = frozenset({JobState.SUCCEEDED, JobState.PARTIAL, JobState.FAILED})


class SourceType(models.TextChoices):
    PDF = "pdf", "PDF"
    GITHUB = "github", "GitHub README"
    TEXT = "text", "Text"
    BATCH = "batch", "Batch"


class ProcessingJob(models.Model):
    """A job of the document processor, as core last heard of it."""

    job_id = models.CharField(max_length=100, unique=True)
    source_type = models.CharField(max_length=20, choices=SourceType.choices)
    #: What was sent: the uploaded file's name or the repository (``owner/name`` or its URL).
    source_name = models.CharField(max_length=500, blank=True)
    source_url = models.URLField(max_length=MAX_URL_LENGTH, blank=True)
    document_key = models.CharField(max_length=255, blank=True, db_index=True)
    state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    status_url = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: When the processor emitted the webhook that last changed this row.
    last_event_at = models.DateTimeField(null=True, blank=True)
    #: When core last asked the processor for this job's status.
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_source_type_display()} job {self.job_id}"

    @property
    def is_finished(self) -> bool:
        return self.state in TERMINAL_STATES


class DocumentState(models.TextChoices):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Document(models.Model):
    """A document stored by the processor (chunks, embeddings), keyed by its stable ``document_key``.

    ``state`` and ``error`` describe the latest processing; the content fields (pages, chunks,
    summary, hash) describe the last *successful* one, which is what the processor still serves.
    """

    document_id = models.CharField(max_length=100, blank=True)
    document_key = models.CharField(max_length=255, unique=True)
    title = models.CharField(max_length=500, blank=True)
    source_type = models.CharField(max_length=20, choices=SourceType.choices)
    source_url = models.URLField(max_length=MAX_URL_LENGTH, blank=True)
    pages = models.PositiveIntegerField(default=0)
    chunks = models.PositiveIntegerField(default=0)
    characters = models.PositiveIntegerField(default=0)
    summary = models.TextField(blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=20, choices=DocumentState.choices)
    error = models.JSONField(null=True, blank=True)
    last_job_id = models.CharField(max_length=100, blank=True)
    #: When the processor emitted the event this row reflects (the ordering key of the events).
    last_processed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["document_key"]
        indexes = [models.Index(fields=["source_type", "state"])]

    def __str__(self) -> str:
        return self.title or self.document_key
