"""``GET /process/status/{id}`` and ``GET /jobs``: processing jobs as callers see them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import func, select

from portfolio_documents.api.intake import status_url
from portfolio_documents.api.schemas import JobItem, JobOutcome, JobPage, JobView
from portfolio_documents.deps import SessionDep
from portfolio_documents.models import ProcessingJob
from portfolio_shared.auth.fastapi import SERVICE_AUTH_RESPONSES, require_service
from portfolio_shared.errors import NotFound, ValidationFailed
from portfolio_shared.errors.fastapi import error_responses
from portfolio_shared.schemas import JobError

CALLERS = ("core", "scraper", "admin")
RUNNING_STAGES = ("fetching", "extracting", "chunking", "embedding", "storing", "running")
PUBLIC_STATES = ("queued", "running", "succeeded", "partial", "failed")

#: A bound past any real history that keeps the offset within Postgres' bigint (larger: 422).
MAX_PAGE = 1_000_000

router = APIRouter(
    tags=["jobs"],
    dependencies=[Depends(require_service(*CALLERS))],
    responses=SERVICE_AUTH_RESPONSES,
)


def public_state(stage: str) -> str:
    """The shared lifecycle state of a stored stage (every working stage is ``running``)."""
    return "running" if stage in RUNNING_STAGES else stage


def _batch_outcome(children: list[ProcessingJob], existing: list[str]) -> JobOutcome | None:
    results = [c.result for c in children if c.state == "succeeded" and c.result]
    ids = [str(r["document_id"]) for r in results] + existing
    if not ids:
        return None
    return JobOutcome(
        document_id=ids[0],
        document_ids=ids,
        pages=sum(int(r.get("pages") or 0) for r in results),
        chunks=sum(int(r.get("chunks") or 0) for r in results),
        characters=sum(int(r.get("characters") or 0) for r in results),
    )


def job_view(request: Request, job: ProcessingJob, children: list[ProcessingJob] | None = None) -> JobView:
    """The API shape of a job row (``children``: a batch's items)."""
    source_type = str(job.source.get("type", "text"))
    state = public_state(job.state)
    result: JobOutcome | None = None
    items: list[JobItem] | None = None
    if source_type == "batch":
        children = children or []
        items = [
            JobItem(
                job_id=str(c.id),
                state=public_state(c.state),
                stage=c.state,
                progress=c.progress,
                document_key=c.document_key,
                status_url=status_url(request, c.id),
            )
            for c in children
        ]
        result = _batch_outcome(children, list(job.source.get("existing", [])))
        if state == "succeeded" and result is None:
            state = "failed"  # a batch none of whose items produced a document
    elif job.state == "succeeded" and job.result:
        result = JobOutcome.model_validate(job.result)
    error = JobError.model_validate(job.error) if job.error else None
    if state == "failed" and error is None:
        error = JobError(code="batch_failed", message="No item of the batch produced a document.")
    return JobView(
        id=str(job.id),
        state=state,  # type: ignore[arg-type]
        stage=job.state,
        progress=job.progress,
        source=source_type,
        document_key=job.document_key,
        error=error if state == "failed" else None,
        result=result if state in ("succeeded", "partial") else None,
        created_at=job.created_at,
        updated_at=job.updated_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        attempts=job.attempts,
        timings=job.timings or {},
        parent_id=str(job.parent_id) if job.parent_id else None,
        items=items,
    )


async def load_view(request: Request, session: SessionDep, job: ProcessingJob) -> JobView:
    children = None
    if job.source.get("type") == "batch":
        children = list(
            (
                await session.execute(
                    select(ProcessingJob)
                    .where(ProcessingJob.parent_id == job.id)
                    .order_by(ProcessingJob.created_at)
                )
            ).scalars()
        )
    return job_view(request, job, children)


@router.get(
    "/process/status/{job_id}",
    name="job_status",
    summary="A processing job: state, stage, progress, and its result or error",
    response_model=JobView,
    responses=error_responses(404),
)
async def job_status(job_id: str, request: Request, session: SessionDep) -> JobView:
    try:
        key = uuid.UUID(job_id)
    except ValueError:
        raise NotFound(f"No job {job_id}.", code="job_not_found") from None
    job = (await session.execute(select(ProcessingJob).where(ProcessingJob.id == key))).scalar_one_or_none()
    if job is None:
        raise NotFound(f"No job {job_id}.", code="job_not_found")
    return await load_view(request, session, job)


@router.get(
    "/jobs",
    summary="Processing jobs, newest first; filter by state (queued, running, succeeded, partial, failed) "
    "or stage, and by source type",
    response_model=JobPage,
    responses=error_responses(422),
)
async def list_jobs(
    request: Request,
    session: SessionDep,
    state: Annotated[
        str | None, Query(description="A state or a stage, e.g. `running` or `embedding`.")
    ] = None,
    source: Annotated[
        Literal["pdf", "github", "text", "batch"] | None, Query(description="The kind of source.")
    ] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> JobPage:
    conditions: list[Any] = []
    if state is not None:
        if state == "running":
            conditions.append(ProcessingJob.state.in_(RUNNING_STAGES))
        elif state in PUBLIC_STATES or state in RUNNING_STAGES:
            conditions.append(ProcessingJob.state == state)
        else:
            raise ValidationFailed(f"Unknown job state {state!r}.", code="invalid_state")
    if source is not None:
        conditions.append(ProcessingJob.source["type"].astext == source)
    count = (
        await session.execute(select(func.count()).select_from(ProcessingJob).where(*conditions))
    ).scalar_one()
    rows = (
        await session.execute(
            select(ProcessingJob)
            .where(*conditions)
            .order_by(ProcessingJob.created_at.desc(), ProcessingJob.id)
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    ).scalars()
    results = [await load_view(request, session, job) for job in rows]

    def link(number: int) -> str:
        return str(request.url.include_query_params(page=number, page_size=page_size))

    return JobPage(
        count=count,
        next=link(page + 1) if page * page_size < count else None,
        previous=link(page - 1) if page > 1 else None,
        results=results,
    )
