"""A stand-in document processor answering ``POST /search`` in the real (scored) shape.

Its ranking mimics the real one closely enough for core's logic: the vector side returns every
chunk (Chroma always has nearest neighbours), with a similarity that only passes the floor when
the chunk shares words with the query; the keyword side finds chunks that share a word.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from core_lib.testing import Received, Reply, StandIn

_WORD = re.compile(r"[a-z0-9]+")
_IGNORED = {
    "the",
    "a",
    "an",
    "and",
    "what",
    "did",
    "does",
    "it",
    "is",
    "of",
    "to",
    "in",
    "use",
    "for",
    "about",
}
#: Words the real processor weighs near zero (idf): they count for neither side of keyword coverage.
_COMMON = _IGNORED | {"how", "are", "s", "was", "were", "this", "that", "with", "we", "our", "which"}
_addresses = itertools.count(1)


def _stems(words: set[str]) -> set[str]:
    # A crude stemmer, as the processor's ("indexed" matches "indexes").
    return {word[:5] for word in words}


@dataclass
class Chunk:
    document_key: str
    title: str
    text: str
    source_type: str = "text"
    source_url: str | None = None
    page: int | None = None
    #: Extra metadata as core indexed it (a paper's text: ``{"kind": "paper", "arxiv_id": …}``).
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Corpus:
    chunks: list[Chunk] = field(default_factory=list)

    def search(self, request: Received) -> Reply:
        body = request.json()
        wanted = set(_WORD.findall(body["query"].lower())) - _IGNORED
        filters = body.get("filters") or {}
        scored = []
        for index, chunk in enumerate(self.chunks):
            if any(chunk.document_key != value for key, value in filters.items() if key == "document_key"):
                continue
            overlap = len(wanted & set(_WORD.findall(chunk.text.lower())))
            scored.append((overlap, index, chunk))
        scored.sort(key=lambda item: (-item[0], item[1]))
        results = []
        for rank, (overlap, index, chunk) in enumerate(scored[: body.get("k", 5)], start=1):
            keyword = 0.1 * overlap if overlap else None
            terms = _stems(set(_WORD.findall(body["query"].lower())) - _COMMON)
            covered = terms & _stems(set(_WORD.findall(chunk.text.lower())))
            coverage = len(covered) / len(terms) if terms and keyword is not None else None
            fused = 1 / (60 + rank) + (1 / (60 + rank) if keyword is not None else 0)
            results.append(
                {
                    "chunk_id": f"chunk-{index}",
                    "document_id": f"doc-{chunk.document_key}",
                    "document_key": chunk.document_key,
                    "title": chunk.title,
                    "text": chunk.text,
                    "score": fused,
                    "source_type": chunk.source_type,
                    "source_url": chunk.source_url,
                    "page": chunk.page,
                    "metadata": {"document_key": chunk.document_key, "title": chunk.title, **chunk.metadata},
                    "heading_path": [],
                    "chunk_index": 0,
                    "scores": {
                        "fused": fused,
                        "vector": 0.2 + 0.15 * min(overlap, 4),
                        "vector_rank": rank,
                        "keyword": keyword,
                        "keyword_rank": rank if keyword is not None else None,
                        "keyword_coverage": coverage,
                    },
                }
            )
        return Reply(200, {"query": body["query"], "results": results})


RAG_PROJECT = Chunk(
    document_key="project:rag-pipeline",
    title="RAG Pipeline",
    source_url="http://127.0.0.1:5173/projects/rag-pipeline",
    text=(
        "The RAG pipeline project indexes documents in Chroma. "
        "It fuses vector search with Postgres full-text ranking by reciprocal rank fusion. "
        "The frontend is written in React."
    ),
)
ANALYTICS_PROJECT = Chunk(
    document_key="project:analytics",
    title="Realtime Analytics",
    source_url="http://127.0.0.1:5173/projects/analytics",
    text=(
        "The analytics dashboard shows visitors in real time. "
        "The dashboard keeps its counters in Redis sorted sets. "
        "Bots are filtered before counting."
    ),
)


@pytest.fixture
def corpus() -> Corpus:
    return Corpus(chunks=[RAG_PROJECT, ANALYTICS_PROJECT])


@pytest.fixture
def documents(settings: Any, corpus: Corpus) -> Iterator[StandIn]:
    def route(request: Received) -> Reply:
        if request.method == "POST" and request.path == "/search":
            return corpus.search(request)
        return Reply(404, {"error": {"code": "not_found", "message": "?", "details": {}}})

    with StandIn(route) as server:
        settings.DOCUMENTS_URL = server.url
        settings.CHATBOT_PROVIDER = "extractive"
        yield server


@pytest.fixture
def visitor() -> dict[str, str]:
    """A fresh client address per test, so rate-limit windows never carry over between tests."""
    n = next(_addresses)
    return {"REMOTE_ADDR": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"}
