"""``GET`` and ``DELETE /documents/{document_key}``, ``POST /documents/{document_key}/reprocess``, and
``POST /search`` over the stored chunks."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy import delete, select

from portfolio_documents import runtime
from portfolio_documents.api import intake
from portfolio_documents.api.intake import document_info
from portfolio_documents.api.schemas import DocumentInfo, JobAccepted
from portfolio_documents.deps import SessionDep
from portfolio_documents.models import Chunk, Document, ProcessingJob
from portfolio_documents.processing.index.search import hybrid_search
from portfolio_documents.processing.index.store import ChunkStore
from portfolio_documents.processing.sources import REPROCESS
from portfolio_shared.auth.fastapi import SERVICE_AUTH_RESPONSES, require_service
from portfolio_shared.errors import Conflict, NotFound
from portfolio_shared.errors.fastapi import error_responses
from portfolio_shared.schemas import (
    PRINTABLE_ID_PATTERN,
    SearchHit,
    SearchRequest,
    SearchResponse,
    SearchScores,
)

CALLERS = ("core", "scraper", "admin")
#: A document key in a path: what a body's ``document_key`` may be (a control character is a 422).
KeyPath = Annotated[str, Path(max_length=255, pattern=PRINTABLE_ID_PATTERN)]

router = APIRouter(
    tags=["documents"],
    dependencies=[Depends(require_service(*CALLERS))],
    responses=SERVICE_AUTH_RESPONSES,
)


def search_backend(request: Request) -> tuple[ChunkStore, Any]:
    """The app's chunk store and embedder, built on first use (``app.state.embedder`` may be preset)."""
    state = request.app.state
    if getattr(state, "chunk_store", None) is None:
        embedder = getattr(state, "embedder", None) or runtime.embedder(state.settings)
        state.embedder = embedder
        state.chunk_store = runtime.chunk_store(state.settings, embedder)
    return state.chunk_store, state.embedder


@router.get(
    "/documents/{document_key:path}",
    summary="A stored document by key",
    response_model=DocumentInfo,
    responses=error_responses(404),
)
async def get_document(document_key: KeyPath, session: SessionDep) -> DocumentInfo:
    document = (
        await session.execute(select(Document).where(Document.document_key == document_key))
    ).scalar_one_or_none()
    if document is None:
        raise NotFound(f"No document {document_key!r}.", code="document_not_found")
    return document_info(document)


@router.delete(
    "/documents/{document_key:path}",
    summary="Delete a document and all its chunks (Chroma and Postgres)",
    status_code=204,
    responses=error_responses(404, 503),
)
async def delete_document(document_key: KeyPath, request: Request, session: SessionDep) -> Response:
    store, _ = await asyncio.to_thread(search_backend, request)
    # Chroma first and unconditionally: a vector must never outlive its row, even a stray one.
    await asyncio.to_thread(store.delete_vectors, document_key)
    deleted = (
        await session.execute(
            delete(Document).where(Document.document_key == document_key).returning(Document.id)
        )
    ).first()
    await session.execute(delete(Chunk).where(Chunk.document_key == document_key))
    await session.commit()
    if deleted is None:
        raise NotFound(f"No document {document_key!r}.", code="document_not_found")
    return Response(status_code=204)


@router.post(
    "/documents/{document_key:path}/reprocess",
    summary="Process a stored document again from its source (the stored upload, the URL, the repository "
    "or the text), even when its content is unchanged",
    status_code=202,
    response_model=JobAccepted,
    responses=error_responses(404, 409, 503),
)
async def reprocess_document(document_key: KeyPath, request: Request, session: SessionDep) -> JobAccepted:
    known = (
        await session.execute(select(Document.id).where(Document.document_key == document_key))
    ).scalar_one_or_none()
    if known is None:
        raise NotFound(f"No document {document_key!r}.", code="document_not_found")
    last = (
        await session.execute(
            select(ProcessingJob)
            .where(ProcessingJob.document_key == document_key, ProcessingJob.source["type"].astext != "batch")
            .order_by(ProcessingJob.created_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if last is None:
        raise Conflict(
            f"No job ever processed {document_key!r} here, so there is no source to process again.",
            code="document_source_unknown",
        )
    job = intake.new_job(session, {**last.source, "document_key": document_key, REPROCESS: True})
    await session.commit()
    await intake.enqueue(request, session, [job.id])
    return intake.accepted(request, job.id)


@router.post(
    "/search",
    summary="Hybrid search: Chroma similarity fused with Postgres keyword ranking (RRF)",
    response_model=SearchResponse,
    responses=error_responses(422, 503),
)
async def search(body: SearchRequest, request: Request, session: SessionDep) -> SearchResponse:
    store, embedder = await asyncio.to_thread(search_backend, request)
    hits = await hybrid_search(
        session, store, embedder, body.query, k=body.k, filters=body.filters, subject=body.subject
    )
    return SearchResponse(
        query=body.query,
        results=[
            SearchHit(
                chunk_id=hit.chunk_id,
                document_id=hit.document_id,
                document_key=hit.document_key,
                title=hit.title,
                text=hit.text,
                score=hit.score,
                source_type=hit.metadata.get("source_type"),
                source_url=hit.metadata.get("source_url"),
                page=hit.page_start,
                heading_path=hit.heading_path,
                chunk_index=hit.chunk_index,
                metadata={**hit.metadata, "heading_path": hit.heading_path},
                scores=SearchScores(
                    fused=hit.score,
                    vector=hit.vector_score,
                    vector_rank=hit.vector_rank,
                    keyword=hit.keyword_score,
                    keyword_rank=hit.keyword_rank,
                    keyword_coverage=hit.keyword_match.coverage if hit.keyword_match else None,
                    title_hit=bool(hit.keyword_match and hit.keyword_match.title_hit),
                    heading_hit=bool(hit.keyword_match and hit.keyword_match.heading_hit),
                ),
            )
            for hit in hits
        ],
    )
