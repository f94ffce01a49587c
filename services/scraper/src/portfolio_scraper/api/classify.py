"""``POST /classify`` (service auth): the topics of stored papers, for core's ``reclassify_papers``.

The scraper skips papers it has already sent unchanged, so a better classifier would never reach the
papers core already stores; core sends them here in batches and keeps the answers. The work is the same
:class:`~portfolio_scraper.enrich.classifier.TopicClassifier` a scrape uses, run off the event loop.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends

from portfolio_scraper.enrich.classifier import PaperText, TopicClassifier
from portfolio_shared.auth import ServicePrincipal
from portfolio_shared.auth.fastapi import SERVICE_AUTH_RESPONSES, require_service
from portfolio_shared.errors.fastapi import error_responses
from portfolio_shared.schemas import ClassifyRequest, ClassifyResult, PaperTopics

#: Who may classify: core (``manage.py reclassify_papers``) and an operator.
CALLERS = ("core", "admin")

router = APIRouter(tags=["topics"])
CallerDep = Annotated[ServicePrincipal, Depends(require_service(*CALLERS))]


@router.post(
    "/classify",
    response_model=ClassifyResult,
    responses={**SERVICE_AUTH_RESPONSES, **error_responses(422)},
    summary="The topics of up to 2,000 papers, in request order",
)
async def classify(body: ClassifyRequest, caller: CallerDep) -> ClassifyResult:
    """Each paper gets the 0 to 3 topics that define it, the defining one first."""
    texts = [
        PaperText(
            title=p.title,
            abstract=p.abstract,
            categories=p.categories,
            primary=p.primary_category,
            keywords=p.ai_keywords,
        )
        for p in body.papers
    ]
    topics = await asyncio.to_thread(TopicClassifier.default().classify_many, texts)
    return ClassifyResult(
        papers=[PaperTopics(arxiv_id=p.arxiv_id, topics=t) for p, t in zip(body.papers, topics, strict=True)]
    )
