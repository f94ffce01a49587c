"""Hybrid retrieval: Chroma similarity fused with the Postgres keyword ranking.

Each side ranks its own candidates (Chroma: cosine similarity of the query's embedding; Postgres:
the query's terms weighted by rarity and by where a chunk holds them, :mod:`.keyword`), the same
filters applied to both, and reciprocal rank fusion merges the two lists: a chunk scores ``Σ 1 / (k + rank)``
over the lists it appears in (``k`` = 60, as in Cormack et al.). RRF needs no score calibration
between a cosine and a text rank, and a chunk found by both sides rises to the top.

Texts and metadata of the winners come from Postgres, the source of truth: a vector whose row is
gone (a document deleted a moment ago) is never returned.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import ColumnElement, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from portfolio_documents.models import Chunk as ChunkRow
from portfolio_documents.processing.index.keyword import KeywordMatch, keyword_ranking
from portfolio_documents.processing.index.store import ChunkStore, MetadataValue
from portfolio_shared.errors import ValidationFailed

RRF_K = 60
FilterValue = MetadataValue | list[MetadataValue]
_FILTER_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")


class InvalidFilter(ValidationFailed):
    code = "invalid_filter"
    default_message = "A search filter is not valid."


class QueryEmbedder(Protocol):
    """What search needs from an embedding provider (``EmbeddingProvider`` has it)."""

    def embed_query(self, text: str) -> list[float]: ...


@dataclass
class Hit:
    """One ranked chunk with its scores: ``score`` is the fused one; a side that did not find it has
    ``None`` for its score and rank."""

    chunk_id: str
    document_id: str
    document_key: str
    text: str
    heading_path: list[str]
    chunk_index: int
    page_start: int | None
    page_end: int | None
    metadata: dict[str, Any]
    score: float
    vector_score: float | None = None
    vector_rank: int | None = None
    keyword_score: float | None = None
    keyword_rank: int | None = None
    #: How the keyword side matched it (``None``: it did not).
    keyword_match: KeywordMatch | None = None

    @property
    def title(self) -> str | None:
        title = self.metadata.get("title")
        return str(title) if title is not None else None


@dataclass
class Ranking:
    """One side's ranked ids (best first) with its own scores."""

    ids: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Fuse ranked id lists: ``Σ 1 / (k + rank)`` (rank from 1), best first; ties keep first-seen order."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: pair[1], reverse=True)


def check_filters(filters: Mapping[str, FilterValue]) -> dict[str, FilterValue]:
    """Filters as given, or :class:`InvalidFilter` (422): keys are plain names (no ``$`` operators),
    values scalars or non-empty lists of scalars of one type."""
    checked: dict[str, FilterValue] = {}
    for key, value in filters.items():
        if not _FILTER_KEY.match(key):
            raise InvalidFilter(f"Filter key {key!r} is not a metadata field name.", details={"key": key})
        if isinstance(value, list) and not value:
            raise InvalidFilter(f"Filter {key!r} lists no values.", details={"key": key})
        if isinstance(value, list) and len({type(item) for item in value}) > 1:
            # Chroma matches a list of one type only (``$in``); mixed, it refuses the query.
            raise InvalidFilter(f"Filter {key!r} lists values of different types.", details={"key": key})
        checked[key] = value
    return checked


def chroma_where(filters: Mapping[str, FilterValue]) -> dict[str, Any] | None:
    """The Chroma ``where`` clause for ``filters`` (every key must match; a list matches any item)."""
    clauses = [
        {key: {"$in": list(value)} if isinstance(value, list) else {"$eq": value}}
        for key, value in filters.items()
    ]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def postgres_filters(filters: Mapping[str, FilterValue]) -> list[ColumnElement[bool]]:
    """The same filters over ``chunk.metadata`` (containment, served by its GIN index)."""
    conditions: list[ColumnElement[bool]] = []
    for key, value in filters.items():
        values = value if isinstance(value, list) else [value]
        matches = [ChunkRow.meta.op("@>")(type_coerce({key: item}, JSONB)) for item in values]
        conditions.append(matches[0] if len(matches) == 1 else or_(*matches))
    return conditions


def vector_ranking(store: ChunkStore, embedding: Sequence[float], n: int, where: Any) -> Ranking:
    """Chroma's ``n`` nearest chunks; score = cosine similarity."""
    if n <= 0:
        return Ranking()
    result = store.collection.query(
        query_embeddings=[list(embedding)], n_results=n, where=where, include=["distances"]
    )
    ids: list[str] = list(result["ids"][0]) if result["ids"] else []
    distances = result["distances"][0] if result.get("distances") else [0.0] * len(ids)
    return Ranking(ids=ids, scores={i: 1.0 - float(d) for i, d in zip(ids, distances, strict=True)})


async def hybrid_search(
    session: AsyncSession,
    store: ChunkStore,
    embedder: QueryEmbedder,
    query: str,
    *,
    k: int = 5,
    filters: Mapping[str, FilterValue] | None = None,
    candidates: int | None = None,
    subject: str | None = None,
) -> list[Hit]:
    """The ``k`` best chunks for ``query``: vector and keyword rankings (``candidates`` each, default
    ``max(4k, 20)``) fused by RRF. The embedding and Chroma run in a thread while Postgres answers.
    ``subject`` names whom the questions are about (the keyword side counts its words only when the
    question holds nothing else)."""
    checked = check_filters(filters or {})
    n = candidates or min(max(4 * k, 20), 200)

    def vectors() -> Ranking:
        return vector_ranking(store, embedder.embed_query(query), n, chroma_where(checked))

    vector_side, keyword_side = await asyncio.gather(
        asyncio.to_thread(vectors),
        keyword_ranking(session, query, n, postgres_filters(checked), subject=subject),
    )
    # Keyword list first: on equal fused scores (one side's 1st is the other's 2nd and vice versa)
    # the keyword order decides, since a query word in a title is firmer evidence than a near vector.
    fused = reciprocal_rank_fusion([keyword_side.ids, vector_side.ids])
    # Room for winners whose rows vanished (deleted between the two reads).
    wanted = [chunk for chunk, _ in fused[: 2 * k]]
    if not wanted:
        return []
    rows = {
        row.id: row
        for row in (await session.execute(select(ChunkRow).where(ChunkRow.id.in_(wanted)))).scalars()
    }
    vector_rank = {chunk: rank for rank, chunk in enumerate(vector_side.ids, start=1)}
    keyword_rank = {chunk: rank for rank, chunk in enumerate(keyword_side.ids, start=1)}
    hits: list[Hit] = []
    for chunk, score in fused:
        row = rows.get(chunk)
        if row is None:
            continue
        hits.append(
            Hit(
                chunk_id=row.id,
                document_id=str(row.document_id),
                document_key=row.document_key,
                text=row.text,
                heading_path=list(row.heading_path),
                chunk_index=row.chunk_index,
                page_start=row.page_start,
                page_end=row.page_end,
                metadata=dict(row.meta),
                score=score,
                vector_score=vector_side.scores.get(chunk),
                vector_rank=vector_rank.get(chunk),
                keyword_score=keyword_side.scores.get(chunk),
                keyword_rank=keyword_rank.get(chunk),
                keyword_match=keyword_side.matches.get(chunk),
            )
        )
        if len(hits) == k:
            break
    return hits
