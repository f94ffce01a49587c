"""Writes of the papers app: the bulk upsert from the scraper and the scraper-job mirror."""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection, transaction
from django.utils import timezone

from papers import cache, indexing
from papers.merge import UPSERT_SQL
from papers.models import ScraperJob
from portfolio_shared.schemas import Paper, PapersBulkResult, ScraperJobCompleted


@transaction.atomic
def upsert_papers(*, papers: Sequence[Paper]) -> PapersBulkResult:
    """Insert new papers and merge known ones by the rules of :mod:`papers.merge`, in one statement.

    Idempotent: the same papers again report ``unchanged`` and write nothing. Papers whose indexed
    text changed are sent to the document processor through the outbox (``papers.indexing``).
    """
    if not papers:
        return PapersBulkResult()
    payload = json.dumps([paper.model_dump(mode="json") for paper in papers])
    with connection.cursor() as cursor:
        cursor.execute(UPSERT_SQL, [payload])
        created, updated = cursor.fetchone()
    if created or updated:
        cache.invalidate()
        # Same transaction: the chatbot's copy of the papers' text follows (only the changed ones).
        indexing.sync_arxiv_ids(paper.arxiv_id for paper in papers)
    return PapersBulkResult(created=created, updated=updated, unchanged=len(papers) - created - updated)


@transaction.atomic
def record_scraper_job(*, event: ScraperJobCompleted) -> bool:
    """Upsert the mirror of ``event.job_id``; True when the event was applied.

    Webhooks may arrive out of order (the outbox retries a failed delivery while later events go
    through), so an event only applies when it finished no earlier than the one already mirrored:
    an older event never overwrites a newer state.
    """
    values = {
        "source": event.source,
        "state": event.state,
        "started_at": event.started_at,
        "finished_at": event.finished_at,
        "counts": event.counts.model_dump(mode="json"),
        "errors": [error.model_dump(mode="json") for error in event.errors],
        "last_webhook_at": timezone.now(),
    }
    job = ScraperJob.objects.select_for_update().filter(job_id=event.job_id).first()
    if job is None:
        # get_or_create: a concurrent first delivery of the same job inserts once; the loser re-checks.
        job, created = ScraperJob.objects.get_or_create(job_id=event.job_id, defaults=values)
        if created:
            return True
        job = ScraperJob.objects.select_for_update().get(pk=job.pk)
    if event.finished_at < job.finished_at:
        return False
    for field, value in values.items():
        setattr(job, field, value)
    job.save(update_fields=list(values))
    return True
