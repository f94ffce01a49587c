"""``/scrape``: start a job (service auth), follow it, list jobs (running ones included), re-run a
failed source of a job. Routes only translate HTTP."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from portfolio_scraper.deps import SessionDep
from portfolio_scraper.jobs import report
from portfolio_scraper.jobs.pipeline import Window
from portfolio_scraper.jobs.report import ScrapeHistoryPage, ScrapeJobReport
from portfolio_scraper.jobs.runner import JobRunner
from portfolio_scraper.jobs.store import JobConflict
from portfolio_scraper.models import ScrapeJob
from portfolio_shared.auth import ServicePrincipal
from portfolio_shared.auth.fastapi import SERVICE_AUTH_RESPONSES, require_service
from portfolio_shared.errors import Conflict, ErrorEnvelope, NotFound, ValidationFailed
from portfolio_shared.errors.fastapi import error_responses
from portfolio_shared.schemas import (
    JobAccepted,
    JobState,
    PaperSource,
    ScrapeRequest,
    ScrapeRerunRequest,
    ScrapeSource,
    StrictModel,
)

#: Who may start a scrape: Cloud Scheduler, core (the admin's "scrape now"), an operator.
CALLERS = ("scheduler", "core", "admin")

#: A bound past any real history that keeps the offset within Postgres' bigint (larger: 422).
MAX_OFFSET = 100_000_000

router = APIRouter(prefix="/scrape", tags=["scrape"])

_STARTED: dict[int | str, dict[str, Any]] = {
    202: {"model": JobAccepted, "description": "Accepted: follow the job at `status_url`."},
    409: {
        "model": ErrorEnvelope,
        "description": "A job is already running for one of these sources; `details.job_id` names it.",
    },
    **SERVICE_AUTH_RESPONSES,
    **error_responses(422),
}


class SourceScrapeRequest(StrictModel):
    """Body of ``POST /scrape/arxiv|huggingface|pwc``: how many days back (1..30)."""

    days: int = Field(default=1, ge=1, le=30)


def get_runner(request: Request) -> JobRunner:
    runner: JobRunner = request.app.state.runner
    return runner


RunnerDep = Annotated[JobRunner, Depends(get_runner)]
CallerDep = Annotated[ServicePrincipal, Depends(require_service(*CALLERS))]
IDEMPOTENCY_HEADER = "Idempotency-Key"


async def _start(
    request: Request, runner: JobRunner, caller: ServicePrincipal, source: str, days: int
) -> JSONResponse:
    # A retried request (same caller, same Idempotency-Key) gets the job the first one created.
    key = request.headers.get(IDEMPOTENCY_HEADER)
    scoped = f"{caller.caller}:{key}" if key else None
    if scoped is not None and (job := await runner.find(scoped)) is not None:
        return _accepted(request, job, source, days)
    try:
        job_id = await runner.submit(source, days=days, trigger="api", idempotency_key=scoped)
    except JobConflict:
        if scoped is not None and (job := await runner.find(scoped)) is not None:
            return _accepted(request, job, source, days)
        raise
    runner.start(job_id)
    return _response(request, job_id)


def _accepted(request: Request, job: ScrapeJob, source: str, days: int) -> JSONResponse:
    if job.source != source or job.params.get("days") != days:
        raise Conflict(
            "This Idempotency-Key was used for another request.",
            code="idempotency_key_reused",
            details={"job_id": str(job.id)},
        )
    return _response(request, job.id)


def _response(request: Request, job_id: uuid.UUID) -> JSONResponse:
    status_url = f"{request.url_for('scrape_status').path}?job_id={job_id}"
    accepted = JobAccepted(job_id=str(job_id), status_url=status_url)
    return JSONResponse(accepted.model_dump(), status_code=202, headers={"Location": status_url})


@router.post(
    "",
    status_code=202,
    response_model=JobAccepted,
    responses=_STARTED,
    summary="Start a scrape of every source (or one) over the last `days` days",
)
async def start_scrape(
    request: Request,
    runner: RunnerDep,
    caller: CallerDep,
    body: Annotated[ScrapeRequest | None, Body()] = None,
) -> JSONResponse:
    """Send ``Idempotency-Key`` to make a retry return the job of the first attempt."""
    body = body or ScrapeRequest()
    return await _start(request, runner, caller, body.source, body.days)


def _source_route(source: str) -> None:
    # One literal route per source, not ``/{source}``: that would also match ``POST /scrape/status``
    # and answer 422 where a method the path does not have is a 405.
    @router.post(
        f"/{source}",
        status_code=202,
        response_model=JobAccepted,
        responses=_STARTED,
        name=f"start_{source}_scrape",
        summary=f"Start a scrape of {source} only over the last `days` days",
    )
    async def start_source_scrape(
        request: Request,
        runner: RunnerDep,
        caller: CallerDep,
        body: Annotated[SourceScrapeRequest | None, Body()] = None,
    ) -> JSONResponse:
        """Send ``Idempotency-Key`` to make a retry return the job of the first attempt."""
        body = body or SourceScrapeRequest()
        return await _start(request, runner, caller, source, body.days)


for _source in get_args(PaperSource):
    _source_route(_source)


_RERUN: dict[int | str, dict[str, Any]] = {
    **_STARTED,
    404: {"model": ErrorEnvelope, "description": "No such job (`scrape_job_not_found`)."},
    409: {
        "model": ErrorEnvelope,
        "description": "The source did not fail in that job (`source_not_failed`), or a job is already "
        "running for it (`scrape_already_running`, `details.job_id` names it).",
    },
    **error_responses(422),
}


@router.post(
    "/jobs/{job_id}/rerun",
    status_code=202,
    response_model=JobAccepted,
    responses=_RERUN,
    summary="Scrape a failed source of a job again, over that job's window",
)
async def rerun_source(
    request: Request,
    runner: RunnerDep,
    caller: CallerDep,
    session: SessionDep,
    job_id: uuid.UUID,
    body: ScrapeRerunRequest,
) -> JSONResponse:
    """A new job of ``source`` alone (trigger ``rerun``, ``rerun_of`` naming ``job_id``); the failed
    job stays as it was. Allowed for a source that failed, or any source of a job that failed."""
    job = await report.get_report(session, job_id)
    if job is None:
        raise NotFound(
            f"No scrape job {job_id}.", code="scrape_job_not_found", details={"job_id": str(job_id)}
        )
    source = job.sources.get(body.source)
    if source is None:
        raise ValidationFailed(
            f"Job {job_id} did not scrape {body.source}.",
            code="source_not_in_job",
            details={"job_id": str(job_id), "sources": list(job.sources)},
        )
    if source.state != "failed" and job.state != "failed":
        raise Conflict(
            f"{body.source} did not fail in job {job_id} (it is {source.state}).",
            code="source_not_failed",
            details={"job_id": str(job_id), "source": body.source, "state": source.state},
        )
    window = Window(job.window.start, job.window.end) if job.window else None
    new_id = await runner.submit(body.source, days=job.days, window=window, trigger="rerun", rerun_of=job_id)
    runner.start(new_id)
    return _response(request, new_id)


@router.get(
    "/status",
    name="scrape_status",
    response_model=ScrapeJobReport,
    responses=error_responses(404, 422),
    summary="The latest job, or `job_id`, with per-source progress",
)
async def scrape_status(session: SessionDep, job_id: uuid.UUID | None = None) -> ScrapeJobReport:
    found = await report.get_report(session, job_id)
    if found is None:
        if job_id is None:
            raise NotFound("No scrape job has run yet.", code="no_scrape_job")
        raise NotFound(
            f"No scrape job {job_id}.", code="scrape_job_not_found", details={"job_id": str(job_id)}
        )
    return found


@router.get(
    "/history",
    response_model=ScrapeHistoryPage,
    responses=error_responses(422),
    summary="Jobs, running ones included, newest first (paged with `limit` and `offset`)",
)
async def scrape_history(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    source: ScrapeSource | None = None,
    state: JobState | None = None,
) -> ScrapeHistoryPage:
    return await report.history(session, limit=limit, offset=offset, source=source, state=state)
