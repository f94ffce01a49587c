"""Keep the papers response cache honest (any saved or deleted paper makes cached pages stale) and
the chatbot's copy of a paper's text in step with ORM writes (the admin's change form and list)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from papers import cache, indexing
from papers.models import Paper


@receiver(post_save, sender=Paper)
@receiver(post_delete, sender=Paper)
def paper_changed(sender: type[Paper], **kwargs: Any) -> None:
    cache.invalidate()


@receiver(post_save, sender=Paper)
def paper_saved(sender: type[Paper], instance: Paper, **kwargs: Any) -> None:
    indexing.sync_papers([instance])


@receiver(post_delete, sender=Paper)
def paper_deleted(sender: type[Paper], instance: Paper, **kwargs: Any) -> None:
    indexing.forget(instance.arxiv_id)
