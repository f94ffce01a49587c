"""Reads of scrape jobs in the shapes ``GET /scrape/status`` and ``GET /scrape/history`` answer.

The answers extend the shared :class:`~portfolio_shared.schemas.ScrapeJob` (which the scraper's
client and core's proxy parse, ignoring what they do not know) with the phase, the window, the
trigger, per-phase timings and per-source figures.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portfolio_scraper.jobs.store import SOURCES
from portfolio_scraper.models import ScrapeJob, ScrapeJobSource
from portfolio_shared.schemas import ResponseModel, SourceProgress
from portfolio_shared.schemas import ScrapeJob as ScrapeJobSchema

#: Overall progress: fetching is most of a job; enriching and delivering are quick.
FETCH_SHARE = 80
PHASE_PROGRESS = {"enrich": 85, "deliver": 95}


class SourceReport(SourceProgress):
    """One source of a job: the shared fields plus raw figures and timings."""

    fetched: int = 0
    total: int | None = None
    pages: int = 0
    started_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
    seconds: float | None = None


class Window(ResponseModel):
    start: AwareDatetime
    end: AwareDatetime


class ScrapeJobReport(ScrapeJobSchema):
    """A scrape job with its window, timings and per-source detail (phase, trigger and ``rerun_of``
    are the shared model's)."""

    window: Window | None = None
    timings: dict[str, float] = Field(default_factory=dict)
    sources: dict[str, SourceReport] = Field(default_factory=dict)  # type: ignore[assignment]


class ScrapeHistoryPage(ResponseModel):
    """``GET /scrape/history``: jobs newest first, ``count`` of all that match, the page asked for."""

    results: list[ScrapeJobReport]
    count: int
    limit: int
    offset: int


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return round((end - start).total_seconds(), 3) if start and end else None


def _source_report(row: ScrapeJobSource) -> SourceReport:
    return SourceReport.model_validate(
        {
            "state": row.state,
            "progress": row.progress,
            "counts": row.counts or {},
            "error": row.error,
            "fetched": row.fetched,
            "total": row.total,
            "pages": row.pages,
            "started_at": row.started_at,
            "finished_at": row.finished_at,
            "seconds": _seconds(row.started_at, row.finished_at),
        }
    )


def overall_progress(job: ScrapeJob, sources: Sequence[ScrapeJobSource]) -> int:
    """0-100 for the whole job: the sources' mean while fetching, then a step per phase."""
    if job.state not in ("queued", "running"):
        return 100
    if job.phase in PHASE_PROGRESS:
        return PHASE_PROGRESS[job.phase]
    if not sources:
        return 0
    return sum(row.progress for row in sources) * FETCH_SHARE // (100 * len(sources))


def build_report(job: ScrapeJob, sources: Sequence[ScrapeJobSource]) -> ScrapeJobReport:
    """The API shape of ``job`` and its source rows."""
    params: dict[str, Any] = job.params or {}
    order = {name: n for n, name in enumerate(SOURCES)}
    rows = sorted(sources, key=lambda row: order.get(row.source, len(order)))
    return ScrapeJobReport.model_validate(
        {
            "id": str(job.id),
            "state": job.state,
            "source": job.source,
            "days": int(params.get("days", 1)),
            "progress": overall_progress(job, rows),
            "created_at": job.created_at,
            "started_at": job.started_at,
            "finished_at": job.finished_at,
            "counts": job.counts or {},
            "sources": {row.source: _source_report(row) for row in rows},
            "errors": job.errors or [],
            "phase": job.phase,
            "trigger": params.get("trigger"),
            "rerun_of": params.get("rerun_of"),
            "window": params.get("window"),
            "timings": job.timings or {},
        }
    )


async def _with_sources(session: AsyncSession, jobs: Sequence[ScrapeJob]) -> list[ScrapeJobReport]:
    if not jobs:
        return []
    rows = (
        await session.execute(select(ScrapeJobSource).where(ScrapeJobSource.job_id.in_([j.id for j in jobs])))
    ).scalars()
    by_job: dict[uuid.UUID, list[ScrapeJobSource]] = {}
    for row in rows:
        by_job.setdefault(row.job_id, []).append(row)
    return [build_report(job, by_job.get(job.id, [])) for job in jobs]


async def get_report(session: AsyncSession, job_id: uuid.UUID | None = None) -> ScrapeJobReport | None:
    """The job ``job_id``, or the most recently created one; None when there is none."""
    query = select(ScrapeJob)
    if job_id is not None:
        query = query.where(ScrapeJob.id == job_id)
    else:
        query = query.order_by(ScrapeJob.created_at.desc(), ScrapeJob.id.desc()).limit(1)
    job = (await session.execute(query)).scalar_one_or_none()
    if job is None:
        return None
    return (await _with_sources(session, [job]))[0]


async def history(
    session: AsyncSession,
    *,
    limit: int,
    offset: int = 0,
    source: str | None = None,
    state: str | None = None,
) -> ScrapeHistoryPage:
    """Jobs newest first, optionally of one ``source`` (as requested) or ``state``."""
    conditions = []
    if source is not None:
        conditions.append(ScrapeJob.source == source)
    if state is not None:
        conditions.append(ScrapeJob.state == state)
    count = (
        await session.execute(select(func.count()).select_from(ScrapeJob).where(*conditions))
    ).scalar_one()
    jobs = (
        (
            await session.execute(
                select(ScrapeJob)
                .where(*conditions)
                .order_by(ScrapeJob.created_at.desc(), ScrapeJob.id.desc())
                .limit(limit)
                .offset(offset)
            )
        )
        .scalars()
        .all()
    )
    return ScrapeHistoryPage(
        results=await _with_sources(session, jobs), count=count, limit=limit, offset=offset
    )
