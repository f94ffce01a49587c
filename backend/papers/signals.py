"""Keep the papers response cache honest: any saved or deleted paper makes cached pages stale."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from papers import cache
from papers.models import Paper


@receiver(post_save, sender=Paper)
@receiver(post_delete, sender=Paper)
def paper_changed(sender: type[Paper], **kwargs: Any) -> None:
    cache.invalidate()
