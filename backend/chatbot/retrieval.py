"""Retrieval for the chatbot: the document processor's hybrid ``POST /search``, steered and reranked.

Hits are the shared ``SearchHit`` (through :meth:`DocumentsClient.search`) with each side's score,
which the relevance floor and the rerank need along with each hit's kind and headings: RRF's fused
score is rank-based, so the best hit of an unrelated question scores as high as the best hit of a
good one.

A question is searched as asked and, when its type points at a kind of document (the tech stack,
the journey, the profile: :mod:`chatbot.question`), once more restricted to that kind, both
requests at once. :func:`chatbot.relevance.assess` orders the passages and gathers the evidence
whether they answer the question; :func:`chatbot.decision.answerable` decides (:func:`select`).
Within one paper (``paper_id``) a hit is relevant when its keyword side covers at least
``CHATBOT_TERM_COVERAGE`` of the question (``scores.keyword_coverage``: one shared common word is a
keyword hit too) or its cosine reaches ``CHATBOT_VECTOR_FLOOR``. Every search drops the texts of
hidden papers (metadata kind ``paper``) the index may still hold.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from chatbot import decision, relevance, trace
from chatbot.question import Question, analyse, expand
from content.models import Profile
from core_lib.upstreams import call
from papers.models import Paper
from portfolio_shared.clients import DocumentsClient
from portfolio_shared.contracts import PAGE_BREAK, paper_pdf_key
from portfolio_shared.errors import NotFound
from portfolio_shared.schemas import SearchHit, SearchRequest

SEARCH_K = 6
#: Hits asked of ``/search`` before the rerank keeps the best :data:`SEARCH_K`.
CANDIDATES = 10


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
    #: The section the text stands in (``["Project", "How it works"]``), outermost first.
    heading_path: tuple[str, ...] = ()
    #: The document's kind as core indexed it (``profile``, ``journey``, ``project``, ``tech_stack``…).
    kind: str | None = None
    entry_kind: str | None = None
    document_key: str | None = None
    vector: float | None = None
    keyword_rank: int | None = None
    #: The chunk's place in its document (0: the document's opening).
    chunk_index: int | None = None

    @property
    def from_papers(self) -> bool:
        """Whether the passage is a paper's indexed text or a chunk of its PDF (not the owner's)."""
        return self.source_type == "paper" or (self.document_key or "").startswith(paper_key(""))


def paper_key(arxiv_id: str) -> str:
    """The document key the scraper ingests a paper's PDF under."""
    return paper_pdf_key(arxiv_id)


def _relevant(hit: SearchHit) -> bool:
    # Any shared word is a keyword hit (ADR 11): the share of the question it covers decides.
    coverage, vector = hit.scores.keyword_coverage, hit.scores.vector
    return (coverage is not None and coverage >= settings.CHATBOT_TERM_COVERAGE) or (
        vector is not None and vector >= settings.CHATBOT_VECTOR_FLOOR
    )


def _passages(hit: SearchHit) -> list[Passage]:
    """The hit as passages, one per PDF page it covers, so a citation names the page its sentence
    stands on. The processor marks each page break in a chunk with one form feed (PAGE_BREAK)."""
    metadata = hit.metadata
    page = hit.page
    pieces = hit.text.split(PAGE_BREAK) if page is not None else [hit.text.replace(PAGE_BREAK, " ")]
    return [
        Passage(
            text=piece.strip(),
            title=hit.title or hit.document_key,
            url=hit.source_url or _str(metadata.get("abs_url")),
            # A paper's indexed text (papers.indexing, metadata kind "paper") is cited as the paper.
            source_type="paper" if metadata.get("kind") == "paper" else hit.source_type,
            page=page + offset if page is not None else None,
            score=hit.score,
            heading_path=tuple(hit.heading_path),
            kind=_str(metadata.get("kind")),
            entry_kind=_str(metadata.get("entry_kind")),
            document_key=hit.document_key,
            vector=hit.scores.vector,
            keyword_rank=hit.scores.keyword_rank,
            chunk_index=hit.chunk_index if offset == 0 else None,
        )
        for offset, piece in enumerate(pieces)
        if piece.strip()
    ]


def _str(value: Any) -> str | None:
    return str(value) if value is not None else None


def _search(requests: list[SearchRequest]) -> list[list[SearchHit]]:
    """The hits of each search in ``requests``, the requests made at once.

    Raises :class:`ServiceUnavailable` (503) when the processor is down or slower than
    ``CHATBOT_SEARCH_DEADLINE_SECONDS``.
    """

    async def operation(client: DocumentsClient) -> list[list[SearchHit]]:
        searches = (client.search(r.query, r.k, r.filters, subject=r.subject) for r in requests)
        return list(await asyncio.gather(*searches))

    results = call(DocumentsClient, operation, deadline=settings.CHATBOT_SEARCH_DEADLINE_SECONDS)
    return _without_hidden_papers(results)


def _paper_id(hit: SearchHit) -> str | None:
    if hit.metadata.get("kind") == "paper" and hit.metadata.get("arxiv_id"):
        return str(hit.metadata["arxiv_id"])
    return None


def _without_hidden_papers(results: list[list[SearchHit]]) -> list[list[SearchHit]]:
    """``results`` without the texts of hidden papers: the DELETE removing a hidden paper's text
    can lose a race with a retried outbox batch that sends it again, so core checks too."""
    ids = {i for hits in results for hit in hits if (i := _paper_id(hit)) is not None}
    if not ids:
        return results
    hidden = set(Paper.objects.filter(arxiv_id__in=ids, hidden=True).values_list("arxiv_id", flat=True))
    if not hidden:
        return results
    return [[hit for hit in hits if _paper_id(hit) not in hidden] for hits in results]


def _body(query: str, k: int, filters: dict[str, Any], subject: str) -> SearchRequest:
    """One search; ``subject`` (the owner's name) keeps the name in a question from pulling every
    answer to the profile ("Where did Vasu study?" is about studying)."""
    return SearchRequest(query=query[:2000], k=k, filters=filters, subject=subject.strip() or None)


def search(query: str, *, filters: dict[str, Any] | None = None, k: int = SEARCH_K) -> list[Passage]:
    """The hits of ``/search`` for ``query`` over the score floor, as passages, best first.

    Raises :class:`ServiceUnavailable` (503) when the processor is down or slower than
    ``CHATBOT_SEARCH_DEADLINE_SECONDS``.
    """
    (hits,) = _search([_body(query, k, filters or {}, owner_name())])
    return [passage for hit in hits if _relevant(hit) for passage in _passages(hit)]


def owner_name() -> str:
    """The portfolio owner's name: in a question it names whom every document is about."""
    profile = Profile.objects.only("name").first()
    return profile.name if profile is not None else ""


def steered(query: str, message: str | None = None) -> list[Passage]:
    """The passages that answer ``query``, best first: the plain search and the one restricted to
    the kind of document the question's type asks for, merged, then reranked and judged
    (:func:`select`); none when the question is declined.

    ``message`` is what the visitor typed when ``query`` adds an earlier turn's subject to it (a
    follow-up): what it asks of that subject is judged by itself ("does it use redis?")."""
    subject = owner_name()
    question = analyse(query, owner_name=subject)
    own = analyse(message, owner_name=subject) if message and message != query else None
    asked = query
    query = expand(query)  # "k8s", "feb 2024", "whos": searched as the words documents use
    bodies = [_body(query, CANDIDATES, {}, subject)]
    filters = question.filters()
    # "and before that?": the entries next to the subject's are found by their kind, not by words.
    if own is not None and own.asks_for_a_neighbour and {"kind": "journey"} not in filters:
        filters.append({"kind": "journey"})
    bodies += [_body(query, SEARCH_K, f, subject) for f in filters]
    seen: set[str] = set()
    passages: list[Passage] = []
    for hits in _search(bodies):
        for hit in hits:
            key = hit.chunk_id
            if key not in seen:
                seen.add(key)
                passages.extend(_passages(hit))
    fetched: list[Passage] = []

    def more(key: str) -> list[Passage]:
        (hits,) = _search([_body(query, SEARCH_K, {"document_key": key}, subject)])
        fetched.extend(p for hit in hits for p in _passages(hit))
        return fetched

    ranked = select(question, own, passages, more)
    if settings.CHATBOT_TRACE_PATH:
        trace.record(settings.CHATBOT_TRACE_PATH, asked, message, subject, passages, fetched)
    return ranked


def select(
    question: Question, own: Question | None, passages: list[Passage], more: Callable[[str], list[Passage]]
) -> list[Passage]:
    """The passages of ``passages`` that answer ``question``, best first (:func:`assessed`); none
    when :func:`chatbot.decision.answerable` declines it."""
    assessment = assessed(question, own, passages, more)
    return assessment.passages if decision.answerable(assessment, question, follow_up=own is not None) else []


def assessed(
    question: Question, own: Question | None, passages: list[Passage], more: Callable[[str], list[Passage]]
) -> relevance.Assessment:
    """``passages`` reranked with the evidence whether they answer ``question``. When the best
    passage's document is the subject but none of its passages holds what is asked about it ("how
    fast is the RAG assistant?" finds its summary, not its latency table), ``more(document_key)``
    reads more of that document (a search restricted to it) and the whole is assessed again."""
    assessment = relevance.assess(question, passages, limit=SEARCH_K, own=own)
    ranked = assessment.passages
    if ranked and ranked[0].document_key and relevance.unanswered(question, ranked):
        seen = {(p.document_key, p.chunk_index, p.page) for p in passages}
        extra = [
            p for p in more(ranked[0].document_key) if (p.document_key, p.chunk_index, p.page) not in seen
        ]
        if extra:
            assessment = relevance.assess(question, passages + extra, limit=SEARCH_K, own=own)
    return assessment


def retrieve(query: str, *, paper_id: str | None = None, message: str | None = None) -> list[Passage]:
    """Passages for ``query``; with ``paper_id`` only that paper's chunks, else its stored abstract.
    ``message``: what the visitor typed, when ``query`` carries an earlier turn's subject (:func:`steered`).

    Raises :class:`NotFound` for an unknown ``paper_id``.
    """
    if paper_id is None:
        return steered(query, message)
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
