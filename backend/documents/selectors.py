"""Reads of the document mirrors."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from portfolio_shared.schemas import DOCUMENT_PROCESSED
from webhooks.models import WebhookReceipt

# The receipt of the webhook being handled was stored a moment ago in the same transaction.
_RECEIPT_WINDOW = timedelta(minutes=5)


def webhook_event_time(*, job_id: str, document_key: str) -> datetime:
    """When the processor emitted the ``document.processed`` event now being handled.

    Webhook handlers are given the event's ``data`` only, and ``data`` carries no time; the
    envelope's ``created_at`` is in the receipt that ``webhooks.services.receive_webhook`` stored
    just before calling the handler. Every event of one job and document reports the same outcome
    (a batch job sends one per document), so any receipt of that pair will do. A time in the
    future (a sender's clock ahead of ours) is clamped to now: otherwise one bad clock would freeze
    the mirror against every later event.
    """
    now = timezone.now()
    payload = (
        WebhookReceipt.objects.filter(
            sender="documents",
            event_type=DOCUMENT_PROCESSED,
            received_at__gte=now - _RECEIPT_WINDOW,
            payload__data__job_id=job_id,
            payload__data__document_key=document_key,
        )
        .order_by("-id")
        .values_list("payload", flat=True)
        .first()
    )
    created = parse_datetime(str(payload.get("created_at", ""))) if isinstance(payload, dict) else None
    if created is None or created.tzinfo is None:
        return now
    return min(created, now)
