"""Receiving signed webhooks: verify the raw bytes, dedupe on webhook-id, act once."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from psycopg.errors import UniqueViolation

from portfolio_shared import webhooks as signing
from portfolio_shared.errors import BadRequest, ValidationFailed, WebhookVerificationError
from portfolio_shared.metrics import WEBHOOK_VERIFICATION_FAILURES
from webhooks import retention
from webhooks.models import WebhookReceipt

#: (sender, event type) -> handler run inside the receipt's transaction. ``ping`` needs none.
Handler = Callable[[Mapping[str, Any]], None]
HANDLERS: dict[tuple[str, str], Handler] = {}


def register(sender: str, event_type: str) -> Callable[[Handler], Handler]:
    """Decorator: act on ``event_type`` webhooks from ``sender`` (used by the domain apps)."""

    def wrap(fn: Handler) -> Handler:
        HANDLERS[(sender, event_type)] = fn
        return fn

    return wrap


@dataclass(frozen=True)
class Receipt:
    webhook_id: str
    event_type: str
    duplicate: bool


def receive_webhook(*, sender: str, headers: Mapping[str, str], body: bytes) -> Receipt:
    """Verify, parse, dedupe and dispatch one webhook from ``sender``.

    Raises the shared exceptions: 401 for a failed verification (with the failure's code), 400 for a
    body that is not JSON, 422 for an event this endpoint does not handle.
    """
    try:
        webhook_id = signing.verify(settings.WEBHOOK_SECRETS.get(sender, []), headers, body)
    except WebhookVerificationError as exc:
        WEBHOOK_VERIFICATION_FAILURES.labels(sender, exc.error_code).inc()
        raise
    try:
        event = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest("webhook body is not JSON", code="invalid_json") from None
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        raise ValidationFailed("webhook body needs a string 'type'", code="invalid_webhook_body")
    event_type = event["type"]
    handler = HANDLERS.get((sender, event_type))
    if handler is None and event_type != "ping":
        raise ValidationFailed(
            f"{sender} webhooks of type {event_type!r} are not handled here",
            code="unsupported_event_type",
            details={"type": event_type},
        )
    with transaction.atomic():
        if not _record(webhook_id=webhook_id, sender=sender, event_type=event_type, event=event):
            return Receipt(webhook_id=webhook_id, event_type=event_type, duplicate=True)
        # A handler's own IntegrityError is a failure like any other: it rolls the receipt back and
        # answers 500, so the sender delivers again.
        if handler is not None:
            handler(event.get("data") or {})
    retention.maybe_prune()
    return Receipt(webhook_id=webhook_id, event_type=event_type, duplicate=False)


def _record(*, webhook_id: str, sender: str, event_type: str, event: dict[str, Any]) -> bool:
    """Store the receipt; False when this ``webhook_id`` was received before (a redelivery)."""
    try:
        with transaction.atomic():  # a savepoint: only this insert is undone on a conflict
            WebhookReceipt.objects.create(
                webhook_id=webhook_id, sender=sender, event_type=event_type, payload=event
            )
    except IntegrityError as exc:
        if isinstance(exc.__cause__, UniqueViolation):
            return False
        raise
    return True
