"""Similar papers for a paper's page, from the vectors the document processor already holds.

Each paper's text is indexed as ``paper-text:<arxiv_id>`` (``papers.indexing``), so its embedding
is in the processor's Chroma collection: ``POST /similar`` queries with that document's own stored
vectors, restricted to papers' texts (``{"kind": "paper"}``), itself excluded. Core maps the keys
back to visible papers, in the processor's order.

A paper page must not wait for, nor fail with, the processor: the call has a short deadline
(``PAPERS_SIMILAR_DEADLINE_SECONDS``), and an upstream failure answers an empty list with
``degraded: true``. Answers are cached in Redis (successes ``PAPERS_CACHE_SECONDS``, failures
:data:`DEGRADED_CACHE_SECONDS`; 0 turns caching off) under the papers cache generation
(:func:`papers.cache.generation`), so a write (a paper hidden) makes them stale at once; Redis
being down only costs speed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

from core_lib.upstreams import call
from papers import cache as papers_cache
from papers import selectors
from papers.api.serializers import PUBLIC_FIELDS, PaperSerializer
from portfolio_shared.clients import DocumentsClient
from portfolio_shared.contracts import arxiv_id_of_paper_text, paper_text_key
from portfolio_shared.errors import NotFound, PortfolioError
from portfolio_shared.schemas import SimilarDocument

logger = logging.getLogger(__name__)

#: Papers a page shows.
SIMILAR_COUNT = 6
#: Asked for beyond that, in case some are hidden meanwhile (their documents are being deleted).
SPARE = 2
#: The metadata filter that keeps neighbours to papers' texts (``papers.indexing`` sets ``kind``).
PAPER_FILTER = {"kind": "paper"}
DEGRADED_CACHE_SECONDS = 5


@dataclass
class SimilarPapers:
    """The answer: papers (public fields plus ``similarity``), nearest first; ``degraded`` when the
    document processor could not be asked."""

    results: list[dict[str, Any]] = field(default_factory=list)
    degraded: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"results": self.results, "degraded": self.degraded}


def cache_key(arxiv_id: str, generation: int) -> str:
    """Where the answer for ``arxiv_id`` is cached while the papers are at ``generation``."""
    return f"papers:similar:{generation}:{arxiv_id}"


def _neighbours(arxiv_id: str) -> list[SimilarDocument]:
    async def operation(client: DocumentsClient) -> list[SimilarDocument]:
        return await client.similar(paper_text_key(arxiv_id), k=SIMILAR_COUNT + SPARE, filters=PAPER_FILTER)

    return call(DocumentsClient, operation, deadline=settings.PAPERS_SIMILAR_DEADLINE_SECONDS)


def _papers(neighbours: list[SimilarDocument]) -> list[dict[str, Any]]:
    scores: dict[str, float] = {}
    for neighbour in neighbours:
        arxiv_id = arxiv_id_of_paper_text(neighbour.document_key)
        if arxiv_id is not None:
            scores.setdefault(arxiv_id, neighbour.score)
    rows = selectors.visible_papers().filter(arxiv_id__in=list(scores)).values(*PUBLIC_FIELDS)
    by_id = {row["arxiv_id"]: row for row in rows}
    serializer = PaperSerializer()
    return [
        {**serializer.to_representation(by_id[i]), "similarity": round(score, 4)}
        for i, score in scores.items()
        if i in by_id
    ][:SIMILAR_COUNT]


def similar_papers(raw_id: str) -> SimilarPapers:
    """The papers most similar to the visible paper ``raw_id`` (NotFound when there is none)."""
    paper = selectors.visible_paper(raw_id)
    key = None
    seconds = settings.PAPERS_CACHE_SECONDS
    if seconds:
        try:
            key = cache_key(paper.arxiv_id, papers_cache.generation())
            cached = cache.get(key)
        except RedisError:
            logger.warning("similar papers: cache read failed", exc_info=True)
            cached = None
        if cached is not None:
            return SimilarPapers(**cached)
    try:
        answer = SimilarPapers(results=_papers(_neighbours(paper.arxiv_id)))
    except NotFound:  # its text is not indexed yet (just received): nothing similar to show yet
        answer, seconds = SimilarPapers(), min(seconds, DEGRADED_CACHE_SECONDS)
    except PortfolioError as exc:  # down, slow or answering nonsense: the page goes on without
        logger.warning("similar papers: the document processor failed: %s", exc)
        answer, seconds = SimilarPapers(degraded=True), min(seconds, DEGRADED_CACHE_SECONDS)
    if seconds and key is not None:
        try:
            cache.set(key, answer.as_dict(), timeout=seconds)
        except RedisError:
            logger.warning("similar papers: cache write failed", exc_info=True)
    return answer
