"""Delete webhook receipts older than the retention (``WEBHOOK_RECEIPT_RETENTION_DAYS``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from webhooks.retention import prune_receipts


class Command(BaseCommand):
    help = "Delete webhook receipts older than WEBHOOK_RECEIPT_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=float, default=None, help="Override the retention in days.")

    def handle(self, *args: Any, **options: Any) -> None:
        removed = prune_receipts(older_than_days=options["days"])
        self.stdout.write(f"Removed {removed} webhook receipt(s).")
