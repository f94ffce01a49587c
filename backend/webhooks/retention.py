"""Webhook receipts are kept for ``WEBHOOK_RECEIPT_RETENTION_DAYS``, then deleted.

A receipt only has to outlive every redelivery of its webhook: a sender's outbox gives up after about
three days, so the 30-day default leaves a wide margin. Receiving prunes at most once an hour per
process (no scheduler needed); ``manage.py prune_webhook_receipts`` does it on demand.
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
_next_prune = 0.0


def prune_receipts(*, older_than_days: float | None = None, batch: int = 5000) -> int:
    """Delete receipts received more than ``older_than_days`` ago (default: the setting); return how many."""
    days = settings.WEBHOOK_RECEIPT_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    removed = 0
    while True:
        ids = list(WebhookReceipt.objects.filter(received_at__lt=cutoff).values_list("pk", flat=True)[:batch])
        if not ids:
            break
        removed += WebhookReceipt.objects.filter(pk__in=ids).delete()[0]
    if removed:
        logger.info("webhook receipts pruned", extra={"removed": removed, "retention_days": days})
    return removed


def maybe_prune() -> None:
    """Prune when this process has not done so for an hour; never fails the caller."""
    global _next_prune
    if time.monotonic() < _next_prune:
        return
    _next_prune = time.monotonic() + PRUNE_INTERVAL_SECONDS
    try:
        prune_receipts()
    except Exception:
        logger.exception("pruning webhook receipts failed")
