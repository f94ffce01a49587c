"""Finishing a scrape job: one transaction that decides its state and hands everything to the outbox.

In that one transaction: the papers are compared with what core was already sent (``seen_paper``),
the new and updated ones are recorded and enqueued as bulk requests to core, those worth reading as
PDFs to the document processor, the job and its sources get their final counts and state, its
sources are released, and the ``scraper.job.completed`` webhook is enqueued last. Either all of it
commits or none of it does, so a receiver that is down gets everything later, and nothing twice.

Counts. For the job, ``fetched`` is every record the sources produced, after merging sources by
arXiv id: ``new + updated + skipped + failed == fetched``, where ``skipped`` is unchanged papers
(not sent again) plus records that are not papers we can keep (no arXiv id), and ``failed`` the
merged records that did not validate. For a source, ``fetched`` is what that source returned and
``new``/``updated``/``skipped``/``failed`` count the merged papers it contributed to.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio_scraper.delivery.outbox import enqueue_job_completed, enqueue_papers, enqueue_pdfs
from portfolio_scraper.delivery.seen import SourceHashes, classify, remember
from portfolio_scraper.jobs.locks import SEEN_PAPERS_LOCK
from portfolio_scraper.jobs.metrics import record_source_counts
from portfolio_scraper.models import ScrapeJob, ScrapeJobSource
from portfolio_shared.schemas import Paper, ScrapeCounts, ScraperJobCompleted

#: Partial-failure lines kept per source (a 30-day Hugging Face window could fail 30 days).
MAX_NOTES_PER_SOURCE = 10
MAX_IDS_IN_MESSAGE = 10


@dataclass
class SourceOutcome:
    """What one source of a job produced."""

    name: str
    fetched: int = 0
    #: Records the source could not keep (e.g. a Papers with Code paper without an arXiv id).
    skipped: int = 0
    #: ``{code, message}`` when the source failed as a whole.
    error: dict[str, str] | None = None
    #: Units of work it gave up while still producing papers (e.g. one Hugging Face day).
    notes: list[str] = field(default_factory=list)

    @property
    def state(self) -> str:
        return "failed" if self.error else "succeeded"


@dataclass
class JobOutcome:
    """Everything a job fetched and enriched, ready to be delivered."""

    papers: list[Paper]
    sources: dict[str, SourceOutcome]
    #: Merged records that did not validate: arXiv id -> the sources that saw it.
    rejected: dict[str, list[str]] = field(default_factory=dict)
    #: Why each rejected record did not validate.
    reasons: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    #: What each source said about each paper (see :mod:`portfolio_scraper.delivery.seen`).
    hashes: SourceHashes = field(default_factory=dict)
    #: Send unchanged papers again too (they still count as skipped).
    force: bool = False


def job_state(outcome: JobOutcome, errors: list[dict[str, str | None]]) -> str:
    """failed when every source failed, partial when anything else went wrong, else succeeded."""
    failed = [o for o in outcome.sources.values() if o.error]
    if outcome.sources and len(failed) == len(outcome.sources):
        return "failed"
    return "partial" if errors else "succeeded"


def _errors(outcome: JobOutcome) -> list[dict[str, str | None]]:
    errors: list[dict[str, str | None]] = []
    for name, source in outcome.sources.items():
        if source.error:
            errors.append({"source": name, **source.error})
        for note in source.notes[:MAX_NOTES_PER_SOURCE]:
            errors.append({"source": name, "code": "source_partial", "message": note})
        if len(source.notes) > MAX_NOTES_PER_SOURCE:
            more = len(source.notes) - MAX_NOTES_PER_SOURCE
            errors.append({"source": name, "code": "source_partial", "message": f"... and {more} more"})
    if outcome.rejected:
        ids = sorted(outcome.rejected)
        shown = "; ".join(
            f"{arxiv_id} ({outcome.reasons[arxiv_id]})" if arxiv_id in outcome.reasons else arxiv_id
            for arxiv_id in ids[:MAX_IDS_IN_MESSAGE]
        ) + ("; ..." if len(ids) > MAX_IDS_IN_MESSAGE else "")
        errors.append(
            {
                "source": None,
                "code": "papers_rejected",
                "message": f"{len(ids)} paper{'s' if len(ids) != 1 else ''} did not validate: {shown}",
            }
        )
    return errors


def complete_job(
    session: Session,
    job_id: uuid.UUID,
    outcome: JobOutcome,
    *,
    now: datetime,
    batch_size: int,
    ingest_threshold: float,
) -> str | None:
    """Deliver ``outcome`` and end the job (see the module); its final state, or None when the job
    is no longer running (it was failed meanwhile, e.g. as interrupted) and nothing was written."""
    started = time.perf_counter()
    # Two jobs finishing at once would both take an unseen paper for new: one at a time.
    session.execute(select(func.pg_advisory_xact_lock(SEEN_PAPERS_LOCK)))
    job = session.execute(
        select(ScrapeJob).where(ScrapeJob.id == job_id).with_for_update()
    ).scalar_one_or_none()
    if job is None or job.state != "running":
        return None

    classified = classify(session, outcome.papers, outcome.hashes)
    changed = classified.new + classified.updated
    to_send = sorted(outcome.papers if outcome.force else changed, key=lambda p: p.arxiv_id)
    remember(session, to_send, outcome.hashes, job_id=job_id, now=now)
    cursor = session.connection().connection.cursor()
    enqueue_papers(cursor, to_send, job_id=job_id, batch_size=batch_size)
    worth_reading = [p for p in classified.new + classified.new_versions if p.relevance >= ingest_threshold]
    enqueue_pdfs(cursor, sorted(worth_reading, key=lambda p: p.arxiv_id), job_id=job_id)

    per_source = {
        name: ScrapeCounts(fetched=source.fetched, skipped=source.skipped).model_dump()
        for name, source in outcome.sources.items()
    }
    for paper in outcome.papers:
        kind = classified.kinds[paper.arxiv_id]
        for name in paper.sources:
            if name in per_source:
                per_source[name][kind] += 1
    for seen_by in outcome.rejected.values():
        for source_name in seen_by:
            if source_name in per_source:
                per_source[source_name]["failed"] += 1
    unusable = sum(source.skipped for source in outcome.sources.values())
    counts = ScrapeCounts(
        fetched=len(outcome.papers) + len(outcome.rejected) + unusable,
        new=len(classified.new),
        updated=len(classified.updated),
        skipped=len(classified.unchanged) + unusable,
        failed=len(outcome.rejected),
    )
    errors = _errors(outcome)
    state = job_state(outcome, errors)

    for row in session.execute(select(ScrapeJobSource).where(ScrapeJobSource.job_id == job_id)).scalars():
        source = outcome.sources.get(row.source)
        if source is not None:
            row.counts = per_source[row.source]
            row.fetched = source.fetched
            if row.state in ("queued", "running"):
                row.state, row.error, row.finished_at = source.state, source.error, now
        row.progress, row.active = 100, False
    started_at = job.started_at or now
    finished_at = max(now, started_at)
    timings = {**outcome.timings, "deliver": round(time.perf_counter() - started, 3)}
    timings["total"] = round((finished_at - started_at).total_seconds(), 3)
    job.state, job.phase, job.progress, job.finished_at = state, None, 100, finished_at
    job.counts, job.errors, job.timings = counts.model_dump(), errors, timings
    session.flush()
    event = ScraperJobCompleted.model_validate(
        {
            "job_id": str(job_id),
            "source": job.source,
            "state": state,
            "started_at": started_at,
            "finished_at": finished_at,
            "counts": counts,
            "errors": errors,
        }
    )
    enqueue_job_completed(cursor, event)
    # Counted as the job's transaction ends: a failed commit fails the job, whose counts then lie by
    # one job's papers, which a counter shrugs off better than a missed success would.
    record_source_counts(per_source)
    return state
