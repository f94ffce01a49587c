"""``POST /process/pdf|github|text|batch``: accept content, answer 202 with a job to follow, or 200
with the stored document when the same content is already there (texts and uploads are recognised
before any work; a fetched PDF only once its text is known, by its job's ``result.duplicate_of``)."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from portfolio_documents import runtime
from portfolio_documents.api import intake
from portfolio_documents.api.schemas import (
    BatchAccepted,
    BatchItemAccepted,
    BatchRequest,
    DocumentInfo,
    GithubItem,
    GithubJobRequest,
    JobAccepted,
    PdfUrlItem,
    TextItem,
)
from portfolio_documents.api.uploads import read_pdf_upload
from portfolio_documents.config import DocumentsSettings
from portfolio_documents.deps import SessionDep, SettingsDep
from portfolio_documents.models import ProcessingJob
from portfolio_documents.processing import sources
from portfolio_documents.processing.net.guard import under_base
from portfolio_documents.processing.net.safe_http import precheck_url
from portfolio_shared.auth.fastapi import SERVICE_AUTH_RESPONSES, require_service
from portfolio_shared.errors import BadRequest, PortfolioError, ValidationFailed
from portfolio_shared.errors.fastapi import error_responses
from portfolio_shared.schemas import PdfUrlRequest, TextForIndexing

CALLERS = ("core", "scraper", "admin")
ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {"model": JobAccepted, "description": "Accepted: follow the job at `status_url`."},
    200: {"model": DocumentInfo, "description": "The same content is already stored: this document."},
}

router = APIRouter(
    prefix="/process",
    tags=["processing"],
    dependencies=[Depends(require_service(*CALLERS))],
    responses={**SERVICE_AUTH_RESPONSES, **error_responses(400, 413, 422, 503)},
)


class UnsupportedMediaType(PortfolioError):
    status = 415
    code = "unsupported_media_type"
    default_message = "Send JSON {\"url\": ...} or a multipart/form-data upload with field 'file'."


def _json(model: BaseModel, status: int) -> JSONResponse:
    return JSONResponse(model.model_dump(mode="json"), status_code=status)


async def _start(request: Request, session: SessionDep, source: sources.Source) -> JSONResponse:
    job = intake.new_job(session, source)
    await session.commit()
    await intake.enqueue(request, session, [job.id])
    return _json(intake.accepted(request, job.id), 202)


def _model_id(settings: SettingsDep) -> str:
    return runtime.embedder(settings).model_id


def _text_source(item: TextForIndexing) -> sources.Source:
    return sources.text_source(
        document_key=item.document_key,
        title=item.title,
        text=item.text,
        text_format=item.format,
        source_url=item.source_url,
        metadata=item.metadata,
    )


def _github_source(item: GithubJobRequest) -> sources.Source:
    from portfolio_documents.processing.net.fetch import parse_repo

    owner, name = parse_repo(item.repo)  # 422 invalid_repo before any job exists
    return sources.github_source(
        owner, name, include_docs=item.include_docs, document_key=item.document_key, metadata=item.metadata
    )


def _parse(model: type[BaseModel], body: bytes) -> Any:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        if any(e["type"] == "json_invalid" for e in errors):
            raise BadRequest("The request body is not valid JSON.", code="invalid_json") from None
        raise ValidationFailed("The request did not validate.", details={"errors": errors}) from None


@router.post(
    "/text",
    summary="Index a text (Markdown, plain or HTML); the same document_key again replaces it",
    status_code=202,
    responses=ACCEPTED,
)
async def process_text(
    item: TextForIndexing, request: Request, session: SessionDep, settings: SettingsDep
) -> JSONResponse:
    intake.check_content_length(request, settings)
    source = _text_source(item)
    existing = await intake.existing_text(session, source, await asyncio.to_thread(_model_id, settings))
    if existing is not None:
        return _json(intake.document_info(existing), 200)
    return await _start(request, session, source)


@router.post(
    "/pdf",
    summary="Index a PDF: JSON {url} to fetch it, or a multipart upload (field `file`)",
    status_code=202,
    responses={**ACCEPTED, 415: {"description": "Neither JSON nor multipart/form-data."}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": PdfUrlRequest.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "document_key": {"type": "string"},
                            "title": {"type": "string"},
                            "metadata": {"type": "string", "description": "A JSON object of scalars."},
                        },
                    }
                },
            },
        }
    },
)
async def process_pdf(request: Request, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """Upload a PDF (multipart, field `file`) or name one by URL (JSON `{"url"}`); the worker fetches it.

    A URL under core's public base (`CORE_PUBLIC_URL`, when set: the owner's CV) is core's own
    media, fetched at its configured address and port without redirects. Any other URL is checked
    twice. Here, without any DNS lookup, a URL that could never be fetched is
    refused at once with 422 `url_not_allowed`: not http(s), credentials in it, a port other than
    80 and 443 (unless `OUTBOUND_ALLOWED_PORTS` allows it), or a host that is a loopback, private,
    link-local (cloud metadata) or unique-local IP literal (shorthand IPv4 such as `2130706433`
    included) or a `localhost` name. A host name passes here; the worker resolves it and refuses it
    (the job fails with `url_not_allowed`) when any of its addresses is not public, on every
    redirect hop too (the port is checked again there), because only the addresses checked at
    fetch time are ever dialled. `OUTBOUND_ALLOW_PRIVATE=true` (local runs, tests) lifts the
    address checks, never the others.
    """
    intake.check_content_length(request, settings)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        upload = await read_pdf_upload(request, settings.max_upload_bytes)
        file_sha = hashlib.sha256(upload.data).hexdigest()
        existing = await intake.existing_file(session, file_sha)
        if existing is not None:
            return _json(intake.document_info(existing), 200)
        stored = await asyncio.to_thread(runtime.storage(settings).put, upload.data, suffix=".pdf")
        source = sources.pdf_upload_source(
            stored,
            file_sha256=file_sha,
            filename=upload.filename,
            document_key=upload.document_key,
            title=upload.title,
            metadata=upload.metadata,
        )
        return await _start(request, session, source)
    if content_type.startswith("application/json"):
        body: PdfUrlRequest = _parse(PdfUrlRequest, await request.body())
        _precheck(body.url, settings)
        source = sources.pdf_url_source(
            body.url, document_key=body.document_key, title=body.title, metadata=body.metadata
        )
        return await _start(request, session, source)
    raise UnsupportedMediaType()


def _precheck(url: str, settings: DocumentsSettings) -> None:
    """The intake check of a PDF URL; one under core's public base is the worker's to judge."""
    if not under_base(url, settings.trusted_core_base):
        precheck_url(
            url, allow_private=settings.outbound_allow_private, allowed_ports=settings.outbound_ports
        )


@router.post(
    "/github",
    summary="Index a GitHub repository's README (and its docs/ Markdown with include_docs)",
    status_code=202,
    responses=ACCEPTED,
)
async def process_github(item: GithubJobRequest, request: Request, session: SessionDep) -> JSONResponse:
    return await _start(request, session, _github_source(item))


@router.post(
    "/batch",
    summary="Several items (text, pdf by URL, github) in one call: one job each, under one batch job",
    status_code=202,
    responses={202: {"model": BatchAccepted, "description": "The batch job and each item's outcome."}},
)
async def process_batch(
    batch: BatchRequest, request: Request, session: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """One job per item under a batch job. Items are checked as their own routes check them; a PDF
    URL refused at intake (see `POST /process/pdf`) refuses the whole batch with 422."""
    intake.check_content_length(request, settings)
    model_id = await asyncio.to_thread(_model_id, settings)
    planned: list[tuple[int, sources.Source | None, DocumentInfo | None]] = []
    for index, item in enumerate(batch.items):
        if isinstance(item, TextItem):
            source = _text_source(item)
            existing = await intake.existing_text(session, source, model_id)
            planned.append(
                (index, None, intake.document_info(existing)) if existing else (index, source, None)
            )
        elif isinstance(item, PdfUrlItem):
            # As for POST /process/pdf: an unfetchable URL refuses the whole batch (422 url_not_allowed).
            _precheck(item.url, settings)
            url_source = sources.pdf_url_source(
                item.url, document_key=item.document_key, title=item.title, metadata=item.metadata
            )
            planned.append((index, url_source, None))
        elif isinstance(item, GithubItem):
            planned.append((index, _github_source(item), None))
    existing_ids = [info.document_id for _, _, info in planned if info is not None]
    batch_job = intake.new_job(session, {**sources.batch_source(len(planned)), "existing": existing_ids})
    await session.flush()
    children: list[tuple[int, ProcessingJob]] = [
        (index, intake.new_job(session, source, parent_id=batch_job.id))
        for index, source, _ in planned
        if source is not None
    ]
    if not children:
        batch_job.state, batch_job.progress = "succeeded", 100
    await session.commit()
    if children:
        await intake.enqueue(request, session, [job.id for _, job in children])
    jobs_by_index = {index: job for index, job in children}
    items = [
        BatchItemAccepted(
            index=index,
            job_id=str(jobs_by_index[index].id) if index in jobs_by_index else None,
            status_url=intake.status_url(request, jobs_by_index[index].id)
            if index in jobs_by_index
            else None,
            document=info,
        )
        for index, _, info in planned
    ]
    accepted = intake.accepted(request, batch_job.id)
    return _json(BatchAccepted(job_id=accepted.job_id, status_url=accepted.status_url, items=items), 202)
