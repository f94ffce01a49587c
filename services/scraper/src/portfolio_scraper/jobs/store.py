"""Writes of scrape jobs: create (one running job per source), progress, fail, and the orphan sweep.

Finishing a job with its papers is :mod:`portfolio_scraper.jobs.finish`. The functions taking a sync
``Session`` add outbox messages and run through ``AsyncSession.run_sync`` inside the caller's
transaction; the others are plain async.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from portfolio_scraper.delivery.outbox import enqueue_job_completed
from portfolio_scraper.jobs.locks import lock_key
from portfolio_scraper.models import ACTIVE_STATES, ScrapeJob, ScrapeJobSource
from portfolio_shared.errors import Conflict
from portfolio_shared.schemas import ScrapeCounts, ScraperJobCompleted

#: Every source a job can scrape, in the order reports list them.
SOURCES = ("arxiv", "huggingface", "pwc")
INTERRUPTED = "interrupted"
#: The partial unique index that allows one unfinished job per source (see models.py).
ACTIVE_SOURCE_INDEX = "ux_scrape_job_source_active"
#: How often a create retries after finding only dead holders of its sources.
_CREATE_ATTEMPTS = 3


class JobConflict(Conflict):
    """409: a job that is still running holds one of the requested sources."""

    code = "scrape_already_running"

    def __init__(self, job_id: uuid.UUID, sources: Sequence[str]) -> None:
        super().__init__(
            f"A scrape job is already running for {', '.join(sources)}.",
            details={"job_id": str(job_id), "sources": list(sources)},
        )
        self.job_id = job_id


def sources_of(source: str) -> tuple[str, ...]:
    """The sources a job for ``source`` (one of them, or ``all``) scrapes."""
    if source == "all":
        return SOURCES
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    return (source,)


def zero_counts() -> dict[str, int]:
    return ScrapeCounts().model_dump()


async def create_job(
    sessions: async_sessionmaker[AsyncSession],
    *,
    job_id: uuid.UUID,
    source: str,
    params: dict[str, Any],
    now: datetime,
) -> None:
    """Insert a queued job and its source rows, or raise :class:`JobConflict` naming the live holder.

    The partial unique index on active source rows decides; a holder whose owner died (its advisory
    lock is free) is failed as ``interrupted`` on the spot and the insert is tried again.
    """
    names = sources_of(source)
    for _ in range(_CREATE_ATTEMPTS):
        try:
            async with sessions() as session, session.begin():
                session.add(ScrapeJob(id=job_id, source=source, state="queued", params=params))
                await session.flush()
                session.add_all(
                    ScrapeJobSource(job_id=job_id, source=name, counts=zero_counts()) for name in names
                )
            return
        except IntegrityError as exc:
            if getattr(getattr(exc.orig, "diag", None), "constraint_name", None) != ACTIVE_SOURCE_INDEX:
                raise
        async with sessions() as session, session.begin():
            holders = (
                await session.execute(
                    select(ScrapeJobSource.job_id, ScrapeJobSource.source).where(
                        ScrapeJobSource.active, ScrapeJobSource.source.in_(names)
                    )
                )
            ).all()
            holder_ids = list(dict.fromkeys(row.job_id for row in holders))
            dead = await session.run_sync(
                interrupt_orphans,
                holder_ids,
                message="the process running this job stopped; failed when a new job needed its sources",
                now=now,
            )
            alive = [job for job in holder_ids if job not in dead]
        if alive:
            held = [row.source for row in holders if row.job_id == alive[0]]
            raise JobConflict(alive[0], held)
    raise Conflict("Could not start the job: its sources kept changing hands; try again.")


def interrupt_orphans(
    session: Session, job_ids: Iterable[uuid.UUID] | None = None, *, message: str, now: datetime
) -> list[uuid.UUID]:
    """Fail every unfinished job (of ``job_ids``, or all) whose owner is gone; return their ids.

    A job's owner holds its advisory lock while it lives, so a lock this transaction can take
    belongs to nobody. Each such job ends ``failed`` with an ``interrupted`` error and its
    ``scraper.job.completed`` webhook, in this transaction.
    """
    query = select(ScrapeJob.id).where(ScrapeJob.state.in_(ACTIVE_STATES)).order_by(ScrapeJob.created_at)
    if job_ids is not None:
        ids = list(job_ids)
        if not ids:
            return []
        query = query.where(ScrapeJob.id.in_(ids))
    interrupted = []
    for job_id in session.execute(query).scalars().all():
        owned = not session.execute(select(func.pg_try_advisory_xact_lock(lock_key(job_id)))).scalar_one()
        if not owned and fail_job(session, job_id, code=INTERRUPTED, message=message, now=now):
            interrupted.append(job_id)
    return interrupted


def fail_job(session: Session, job_id: uuid.UUID, *, code: str, message: str, now: datetime) -> bool:
    """End an unfinished job as ``failed`` with ``{code, message}``, releasing its sources and adding
    its ``scraper.job.completed`` webhook; False when it had already ended."""
    job = session.execute(
        select(ScrapeJob).where(ScrapeJob.id == job_id).with_for_update()
    ).scalar_one_or_none()
    if job is None or job.state not in ACTIVE_STATES:
        return False
    error = {"code": code, "message": message}
    for row in session.execute(select(ScrapeJobSource).where(ScrapeJobSource.job_id == job_id)).scalars():
        if row.state in ACTIVE_STATES:
            row.state, row.error, row.finished_at = "failed", error, now
        row.active = False
    started = job.started_at or job.created_at
    finished = max(now, started)
    job.state, job.phase, job.progress, job.finished_at = "failed", None, 100, finished
    job.errors = [*job.errors, {"source": None, **error}]
    session.flush()
    event = ScraperJobCompleted.model_validate(
        {
            "job_id": str(job_id),
            "source": job.source,
            "state": "failed",
            "started_at": started,
            "finished_at": finished,
            "counts": job.counts or {},
            "errors": job.errors,
        }
    )
    enqueue_job_completed(session.connection().connection.cursor(), event)
    return True


async def find_by_idempotency_key(session: AsyncSession, key: str) -> ScrapeJob | None:
    """The job created with ``key`` (``<caller>:<Idempotency-Key>``), if any."""
    query = (
        select(ScrapeJob)
        .where(ScrapeJob.params["idempotency_key"].astext == key)
        .order_by(ScrapeJob.created_at.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def mark_running(session: AsyncSession, job_id: uuid.UUID, *, now: datetime) -> ScrapeJob | None:
    """queued -> running (fetch phase); None when the job is unknown or no longer queued."""
    job = (
        await session.execute(
            update(ScrapeJob)
            .where(ScrapeJob.id == job_id, ScrapeJob.state == "queued")
            .values(state="running", phase="fetch", started_at=now)
            .returning(ScrapeJob)
        )
    ).scalar_one_or_none()
    if job is not None:
        await session.execute(
            update(ScrapeJobSource)
            .where(ScrapeJobSource.job_id == job_id)
            .values(state="running", started_at=now)
        )
    await session.commit()
    return job


async def save_source(session: AsyncSession, job_id: uuid.UUID, source: str, **values: Any) -> None:
    """Write a running source's progress (or its end); ignored once the job has ended."""
    await session.execute(
        update(ScrapeJobSource)
        .where(
            ScrapeJobSource.job_id == job_id,
            ScrapeJobSource.source == source,
            ScrapeJobSource.active,
        )
        .values(**values)
    )
    await session.commit()


async def save_job(session: AsyncSession, job_id: uuid.UUID, **values: Any) -> None:
    """Write a running job's phase, progress or parameters; ignored once it has ended."""
    await session.execute(
        update(ScrapeJob).where(ScrapeJob.id == job_id, ScrapeJob.state == "running").values(**values)
    )
    await session.commit()
