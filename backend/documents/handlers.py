"""The ``document.processed`` webhook keeps the mirrors (registered when the app is ready)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from documents import selectors, services
from portfolio_shared.errors import ValidationFailed
from portfolio_shared.schemas import DOCUMENT_PROCESSED, DocumentProcessed
from webhooks.services import register

INVALID_PAYLOAD = "invalid_webhook_payload"


@register("documents", DOCUMENT_PROCESSED)
def on_document_processed(data: Mapping[str, Any]) -> None:
    """Validate the event's ``data`` and upsert the job and document mirrors.

    A payload that does not validate raises 422 inside the receipt's transaction, so nothing is
    recorded and a corrected redelivery is acted on.
    """
    try:
        event = DocumentProcessed.model_validate(dict(data))
    except ValidationError as exc:
        raise ValidationFailed(
            "the document.processed data does not validate",
            code=INVALID_PAYLOAD,
            details={"errors": exc.errors(include_url=False, include_context=False, include_input=False)},
        ) from None
    occurred_at = selectors.webhook_event_time(job_id=event.job_id, document_key=event.document_key)
    services.apply_document_processed(event=event, occurred_at=occurred_at)
