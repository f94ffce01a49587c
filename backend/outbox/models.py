"""The admin's entry for the three outboxes (no table of its own)."""

from __future__ import annotations

from django.db import models


class OutboxMessage(models.Model):
    """No table: the admin's view of undelivered messages in core's own outbox and, through their
    APIs, the scraper's and the document processor's (``outbox.admin.OutboxAdmin``). Its permissions
    say who may see them and who may retry or discard them."""

    class Meta:
        managed = False
        db_table = "outbox_admin_view"  # never queried
        default_permissions = ("view",)
        permissions = [("steer_outbox", "Can retry or discard an undelivered outbox message")]
        verbose_name = "outbox message"
        verbose_name_plural = "outbox messages (core, scraper, document processor)"
