"""Retrieval for the chatbot: the document processor's hybrid ``POST /search``, nothing else.

The raw answer is read (not :meth:`DocumentsClient.search`, which keeps only the fused score)
because the relevance floor needs each side's score: RRF's fused score is rank-based, so the best
hit of an unrelated question scores as high as the best hit of a good one. A hit is relevant when
the keyword side matched it or its cosine similarity reaches ``CHATBOT_VECTOR_FLOOR``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from config.upstreams import call
from papers.models import Paper
from portfolio_shared.clients import DocumentsClient
from portfolio_shared.errors import NotFound, UpstreamError

SEARCH_K = 6
#: How the document processor marks a page break inside a PDF chunk's text.
PAGE_BREAK = "\f"


@dataclass(frozen=True)
class Passage:
    """One retrieved text the answer may quote, with what its citation shows."""

    text: str
    title: str
    url: str | None
    source_type: str | None
    page: int | None
    score: float
    #: The paper's abstract standing in for its never-ingested PDF: the visitor chose the paper,
    #: so its opening sentences answer a question that matches no sentence in particular.
    fallback: bool = False


def paper_key(arxiv_id: str) -> str:
    """The document key the scraper ingests a paper's PDF under."""
    return f"paper:{arxiv_id}"


def _relevant(hit: dict[str, Any]) -> bool:
    scores = hit.get("scores")
    if isinstance(scores, dict):
        vector = scores.get("vector")
        return scores.get("keyword") is not None or (
            vector is not None and float(vector) >= settings.CHATBOT_VECTOR_FLOOR
        )
    return float(hit.get("score", 0.0)) >= settings.CHATBOT_FUSED_FLOOR


def _passages(hit: dict[str, Any]) -> list[Passage]:
    """The hit as passages, one per PDF page it covers, so a citation names the page its sentence
    stands on. The processor marks each page break in a chunk with one form feed (PAGE_BREAK)."""
    metadata = hit.get("metadata") or {}
    page = hit.get("page") if hit.get("page") is not None else metadata.get("page_start")
    text = str(hit.get("text") or "")
    pieces = text.split(PAGE_BREAK) if page is not None else [text.replace(PAGE_BREAK, " ")]
    first = int(page) if page is not None else None
    return [
        Passage(
            text=piece.strip(),
            title=str(hit.get("title") or metadata.get("title") or hit.get("document_key") or "Untitled"),
            url=hit.get("source_url") or metadata.get("source_url") or metadata.get("abs_url"),
            # A paper's indexed text (papers.indexing, metadata kind "paper") is cited as the paper.
            source_type="paper"
            if metadata.get("kind") == "paper"
            else hit.get("source_type") or metadata.get("source_type"),
            page=first + offset if first is not None else None,
            score=float(hit.get("score", 0.0)),
        )
        for offset, piece in enumerate(pieces)
        if piece.strip()
    ]


def search(query: str, *, filters: dict[str, Any] | None = None, k: int = SEARCH_K) -> list[Passage]:
    """The relevant hits of ``/search`` for ``query`` as passages, best first.

    Raises :class:`ServiceUnavailable` (503) when the processor is down or slower than
    ``CHATBOT_SEARCH_DEADLINE_SECONDS``.
    """
    body = {"query": query[:2000], "k": k, "filters": filters or {}}

    async def operation(client: DocumentsClient) -> Any:
        response = await client.request("POST", "/search", json=body, idempotent=True)
        return response.json()

    answer = call(DocumentsClient, operation, deadline=settings.CHATBOT_SEARCH_DEADLINE_SECONDS)
    if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
        raise UpstreamError("The document processor answered /search in an unexpected shape.")
    hits = [hit for hit in answer["results"] if isinstance(hit, dict) and _relevant(hit)]
    return [passage for hit in hits for passage in _passages(hit)]


def retrieve(query: str, *, paper_id: str | None = None) -> list[Passage]:
    """Passages for ``query``; with ``paper_id`` only that paper's chunks, else its stored abstract.

    Raises :class:`NotFound` for an unknown ``paper_id``.
    """
    if paper_id is None:
        return search(query)
    paper = Paper.objects.filter(arxiv_id=paper_id).only("title", "abstract", "abs_url").first()
    if paper is None:
        raise NotFound(f"No paper {paper_id!r}.", code="paper_not_found", details={"paper_id": paper_id})
    passages = search(query, filters={"document_key": paper_key(paper_id)})
    if passages or not paper.abstract.strip():
        return passages
    return [
        Passage(
            text=paper.abstract,
            title=paper.title,
            url=paper.abs_url,
            source_type="paper",
            page=None,
            score=0.0,
            fallback=True,
        )
    ]
