"""Writes of the papers app: the bulk upsert from the scraper, the scraper-job mirror, re-classification."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from papers import cache, indexing
from papers.merge import UPSERT_SQL
from papers.models import Paper as StoredPaper
from papers.models import ScrapeJob
from papers.sample import hide_sample_papers
from portfolio_shared.schemas import (
    ClassifyPaper,
    Paper,
    PapersBulkResult,
    PaperTopics,
    ScraperJobCompleted,
)

#: Papers per ``POST /classify`` request of :func:`reclassify_papers`.
RECLASSIFY_BATCH = 500


@transaction.atomic
def upsert_papers(*, papers: Sequence[Paper], sample: bool = False) -> PapersBulkResult:
    """Insert new papers and merge known ones by the rules of :mod:`papers.merge`, in one statement.

    Idempotent: the same papers again report ``unchanged`` and write nothing. Papers whose indexed
    text changed are sent to the document processor through the outbox (``papers.indexing``). A
    real delivery (not ``sample``, as ``papers.sample`` loads them) hides the sample papers: the
    first scrape that reaches core replaces them by itself.
    """
    if not papers:
        return PapersBulkResult()
    if not sample:
        hide_sample_papers()
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
    job = ScrapeJob.objects.select_for_update().filter(job_id=event.job_id).first()
    if job is None:
        # get_or_create: a concurrent first delivery of the same job inserts once; the loser re-checks.
        job, created = ScrapeJob.objects.get_or_create(job_id=event.job_id, defaults=values)
        if created:
            return True
        job = ScrapeJob.objects.select_for_update().get(pk=job.pk)
    if event.finished_at < job.finished_at:
        return False
    for field, value in values.items():
        setattr(job, field, value)
    job.save(update_fields=list(values))
    return True


@dataclass(frozen=True)
class ReclassifyResult:
    """How many stored papers were classified, and how many got different topics."""

    papers: int
    changed: int


def reclassify_papers(
    *,
    classify: Callable[[list[ClassifyPaper]], list[PaperTopics]],
    batch_size: int = RECLASSIFY_BATCH,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ReclassifyResult:
    """Give every stored paper the topics the scraper's classifier gives it now.

    ``classify`` is the scraper's ``POST /classify`` (the scraper skips papers it already sent
    unchanged, so a new classifier reaches stored papers only this way). Papers go in primary-key
    order, ``batch_size`` at a time; each batch's changes are written in one statement, so an
    interrupted run keeps the batches done and a second run finishes the rest. Only ``topics`` (and
    ``modified``) change; ``progress(done, total)`` is called after each batch.
    """
    total = StoredPaper.objects.count()
    done = changed = 0
    last_pk = 0
    fields = ("pk", "arxiv_id", "title", "abstract", "primary_category", "categories", "topics")
    while True:
        batch = list(StoredPaper.objects.filter(pk__gt=last_pk).order_by("pk").only(*fields)[:batch_size])
        if not batch:
            break
        last_pk = batch[-1].pk
        answers = classify(
            [
                ClassifyPaper(
                    arxiv_id=p.arxiv_id,
                    title=p.title,
                    abstract=p.abstract,
                    primary_category=p.primary_category,
                    categories=p.categories,
                )
                for p in batch
            ]
        )
        topics = {answer.arxiv_id: answer.topics for answer in answers}
        now = timezone.now()
        updated = []
        for paper in batch:
            new = topics.get(paper.arxiv_id)
            if new is not None and new != paper.topics:
                paper.topics, paper.modified = new, now
                updated.append(paper)
        if updated and not dry_run:
            StoredPaper.objects.bulk_update(updated, ["topics", "modified"])
            cache.invalidate()  # bulk_update sends no post_save
        done += len(batch)
        changed += len(updated)
        if progress is not None:
            progress(done, total)
    return ReclassifyResult(papers=done, changed=changed)
