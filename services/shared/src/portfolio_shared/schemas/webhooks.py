"""Webhook bodies: ``{"type", "id", "created_at", "data"}``, one ``data`` model per event type.

:class:`WebhookEvent` is generic over its ``data``; each event type is a subclass that pins ``type``
to a literal, and :func:`parse_webhook_event` picks the right one by ``type`` (a discriminated
union). Webhook bodies are ours on both ends, so they are strict. Signing and verification of the
raw bytes live in :mod:`portfolio_shared.webhooks`; parse only what verified.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AwareDatetime, Field, TypeAdapter, ValidationError, model_validator

from portfolio_shared.errors import ValidationFailed
from portfolio_shared.schemas._base import (
    DocumentSourceType,
    HttpUrlStr,
    JobError,
    NonEmptyStr,
    ScrapeSource,
    StrictModel,
)
from portfolio_shared.schemas.scraper import ScrapeCounts, ScrapeErrorItem

PING = "ping"
SCRAPER_JOB_COMPLETED = "scraper.job.completed"
DOCUMENT_PROCESSED = "document.processed"
#: Every event type a receiver may be sent.
EVENT_TYPES = (PING, SCRAPER_JOB_COMPLETED, DOCUMENT_PROCESSED)

#: ``error_code`` of the :class:`ValidationFailed` raised for a ``type`` nobody defined.
WEBHOOK_UNKNOWN_TYPE = "webhook_unknown_type"

DataT = TypeVar("DataT", bound=StrictModel)


def _event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


def _now() -> datetime:
    return datetime.now(UTC)


class WebhookEvent(StrictModel, Generic[DataT]):
    """A webhook body. ``id`` identifies the event (and becomes the ``webhook-id`` header)."""

    type: str
    id: NonEmptyStr = Field(default_factory=_event_id)
    created_at: AwareDatetime = Field(default_factory=_now)
    data: DataT


class PingData(StrictModel):
    """``ping``: proves a receiver's URL and secret; carries nothing that acts."""

    message: str | None = None


class ScraperJobCompleted(StrictModel):
    """``scraper.job.completed``: a scrape job finished (with or without errors)."""

    job_id: NonEmptyStr
    source: ScrapeSource
    state: Literal["succeeded", "partial", "failed"]
    started_at: AwareDatetime
    finished_at: AwareDatetime
    counts: ScrapeCounts
    errors: list[ScrapeErrorItem] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ordered(self) -> ScraperJobCompleted:
        if self.finished_at < self.started_at:
            raise ValueError("finished_at is earlier than started_at")
        return self


class DocumentProcessed(StrictModel):
    """``document.processed``: a processing job finished; ``error`` set exactly when it failed."""

    job_id: NonEmptyStr
    document_id: str | None = None
    document_key: NonEmptyStr
    state: Literal["succeeded", "failed"]
    source_type: DocumentSourceType
    source_url: HttpUrlStr | None = None
    title: str | None = None
    pages: int = Field(default=0, ge=0)
    chunks: int = Field(default=0, ge=0)
    characters: int = Field(default=0, ge=0)
    summary: str | None = None
    content_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    error: JobError | None = None

    @model_validator(mode="after")
    def _error_iff_failed(self) -> DocumentProcessed:
        if (self.state == "failed") != (self.error is not None):
            raise ValueError("error must be set when, and only when, state is 'failed'")
        if self.state == "succeeded" and not self.document_id:
            raise ValueError("a succeeded document needs its document_id")
        return self


class PingEvent(WebhookEvent[PingData]):
    type: Literal["ping"] = "ping"
    data: PingData = Field(default_factory=PingData)


class ScraperJobCompletedEvent(WebhookEvent[ScraperJobCompleted]):
    type: Literal["scraper.job.completed"] = "scraper.job.completed"


class DocumentProcessedEvent(WebhookEvent[DocumentProcessed]):
    type: Literal["document.processed"] = "document.processed"


AnyWebhookEvent = Annotated[
    PingEvent | ScraperJobCompletedEvent | DocumentProcessedEvent, Field(discriminator="type")
]
_ANY_EVENT: TypeAdapter[AnyWebhookEvent] = TypeAdapter(AnyWebhookEvent)


def parse_webhook_event(body: bytes | str | Mapping[str, Any]) -> AnyWebhookEvent:
    """Parse a webhook body (raw JSON or already decoded) into the event class its ``type`` names.

    Raises :class:`ValidationFailed` with the pydantic errors in ``details["errors"]``; its
    ``error_code`` is ``webhook_unknown_type`` when ``type`` names no known event, so a receiver can
    acknowledge events it does not know yet instead of having them retried.
    """
    try:
        if isinstance(body, bytes | str):
            return _ANY_EVENT.validate_json(body)
        return _ANY_EVENT.validate_python(dict(body))
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        unknown = any(e["type"] == "union_tag_invalid" for e in errors)
        raise ValidationFailed(
            "unknown webhook event type" if unknown else "the webhook body does not validate",
            code=WEBHOOK_UNKNOWN_TYPE if unknown else None,
            details={"errors": errors},
        ) from None
