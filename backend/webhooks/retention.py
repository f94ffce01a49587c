"""Webhook receipts are kept for ``WEBHOOK_RECEIPT_RETENTION_DAYS``, then deleted.

A receipt only has to outlive every redelivery of its webhook: a sender's outbox gives up after about
three days, so the 30-day default leaves a wide margin. Receiving prunes at most once an hour per
process (no scheduler needed), and then at most :data:`REQUEST_PRUNE_BATCHES` batches: a webhook
request never carries a huge delete (the first one after a long pause, or after the retention was
shortened). While that cap is reached, the next receipt prunes again. ``manage.py
prune_webhook_receipts`` prunes everything that is due, on demand.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from webhooks.models import WebhookReceipt

logger = logging.getLogger("webhooks.retention")
PRUNE_INTERVAL_SECONDS = 3600.0
#: Rows per delete statement.
PRUNE_BATCH = 5000
#: Batches one webhook request may delete (the command has no cap).
REQUEST_PRUNE_BATCHES = 1
_next_prune = 0.0


def prune_receipts(
    *, older_than_days: float | None = None, batch: int = PRUNE_BATCH, max_batches: int | None = None
) -> int:
    """Delete receipts received more than ``older_than_days`` ago (default: the setting), at most
    ``max_batches`` batches of ``batch`` rows (None: all of them); return how many."""
    days = settings.WEBHOOK_RECEIPT_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    removed = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        ids = list(WebhookReceipt.objects.filter(received_at__lt=cutoff).values_list("pk", flat=True)[:batch])
        if not ids:
            break
        removed += WebhookReceipt.objects.filter(pk__in=ids).delete()[0]
        batches += 1
    if removed:
        logger.info("webhook receipts pruned", extra={"removed": removed, "retention_days": days})
    return removed


def maybe_prune() -> None:
    """Prune at most :data:`REQUEST_PRUNE_BATCHES` batches when this process has not done so for an
    hour, or when its last prune stopped at that cap; never fails the caller."""
    global _next_prune
    if time.monotonic() < _next_prune:
        return
    _next_prune = time.monotonic() + PRUNE_INTERVAL_SECONDS
    try:
        removed = prune_receipts(batch=PRUNE_BATCH, max_batches=REQUEST_PRUNE_BATCHES)
        if removed >= REQUEST_PRUNE_BATCHES * PRUNE_BATCH:
            _next_prune = 0.0  # more may be due: the next receipt goes on
    except Exception:
        logger.exception("pruning webhook receipts failed")
