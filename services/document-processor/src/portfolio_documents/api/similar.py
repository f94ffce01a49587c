"""``POST /similar``: the documents nearest to a stored document, by its own stored vectors."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request

from portfolio_documents.api.documents import CALLERS, search_backend
from portfolio_documents.processing.index.similar import similar_documents
from portfolio_shared.auth.fastapi import SERVICE_AUTH_RESPONSES, require_service
from portfolio_shared.errors.fastapi import error_responses
from portfolio_shared.schemas import SimilarDocument, SimilarRequest, SimilarResponse

router = APIRouter(
    tags=["documents"],
    dependencies=[Depends(require_service(*CALLERS))],
    responses=SERVICE_AUTH_RESPONSES,
)


@router.post(
    "/similar",
    summary="The documents nearest to a stored document (its own vectors; filters as /search)",
    response_model=SimilarResponse,
    responses=error_responses(404, 422, 503),
)
async def similar(body: SimilarRequest, request: Request) -> SimilarResponse:
    store, _ = await asyncio.to_thread(search_backend, request)
    neighbours = await asyncio.to_thread(
        similar_documents, store, body.document_key, k=body.k, filters=body.filters
    )
    return SimilarResponse(
        document_key=body.document_key,
        results=[
            SimilarDocument(
                document_key=n.document_key,
                title=n.title,
                source_url=n.source_url,
                score=n.score,
                metadata=n.metadata,
            )
            for n in neighbours
        ],
    )
