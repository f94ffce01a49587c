"""Read-only share links of the analytics dashboard, minted and revoked by the owner in the admin.

A link's token is shown once, when it is minted (the admin's "created" page); core keeps only its
SHA-256, so a leaked database yields no working link. The token is 32 random bytes, so a plain hash
is enough: there is nothing to guess that a slow hash would protect. Whoever holds a valid link gets
dashboard tokens from ``POST /api/analytics/token/`` with no login (``insights.services``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.db import models
from django.utils import timezone

ShareLinkState = Literal["active", "expired", "revoked"]


class DashboardShareLink(models.Model):
    label = models.CharField(max_length=100, help_text="Who or what the link is for, e.g. 'Investor update'.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        editable=False,
        related_name="+",
    )
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Optional. The link stops working at this time (UTC)."
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    use_count = models.PositiveIntegerField(default=0, editable=False, help_text="Dashboard tokens issued.")

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "dashboard share link"

    def __str__(self) -> str:
        return self.label

    def state(self, now: datetime | None = None) -> ShareLinkState:
        """``revoked`` once revoked, ``expired`` past its expiry, else ``active``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or timezone.now()):
            return "expired"
        return "active"
