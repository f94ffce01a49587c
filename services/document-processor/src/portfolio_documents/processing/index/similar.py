"""Documents near a stored document, by the vectors Chroma already holds (``POST /similar``).

Nothing is embedded: the query is the document's own stored chunk vectors (one Chroma ``get`` by
key, then one ``query`` with all of them at once). A neighbour scores its best cosine similarity to
any of the document's chunks; the document itself is left out. The same metadata filters as
``/search`` restrict the neighbours (core asks for ``{"kind": "paper"}`` to get papers' texts only).

Chroma returns nearest *chunks*, so a long neighbour could fill the list on its own: the answer
keeps one entry per document key. Filters are applied here to the nearest
``UNFILTERED_CANDIDATES`` chunks, because a Chroma ``where`` clause is evaluated over the whole
collection (measured: 1 s at 20,000 documents on a busy machine, unfiltered 0.15 s); only when too
few pass does a filtered Chroma query run.
Titles and URLs come from the chunk metadata Chroma stores (what ``chunk_metadata`` wrote), so the
answer needs no Postgres round trip.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from portfolio_documents.processing.index.search import FilterValue, check_filters, chroma_where
from portfolio_documents.processing.index.store import ChunkStore
from portfolio_shared.errors import NotFound

#: Chunks fetched per wanted document: a neighbour may bring several of its chunks.
OVERFETCH = 3
#: Nearest chunks fetched unfiltered at least: others' chunks (PDFs, projects) may come first.
UNFILTERED_CANDIDATES = 80
#: Chunk metadata that describes the chunk, not the document: left out of a neighbour's metadata.
_CHUNK_FIELDS = frozenset(
    {"chunk_index", "page_start", "page_end", "heading", "char_start", "char_end", "embedding_model"}
)


class DocumentNotIndexed(NotFound):
    code = "document_not_found"
    default_message = "The document has no stored vectors."


@dataclass
class Neighbour:
    """A document near the queried one; ``score`` is its best chunk's cosine similarity."""

    document_key: str
    score: float
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str | None:
        value = self.metadata.get("title")
        return str(value) if value is not None else None

    @property
    def source_url(self) -> str | None:
        value = self.metadata.get("source_url")
        return str(value) if value is not None else None


def similar_documents(
    store: ChunkStore,
    document_key: str,
    *,
    k: int = 5,
    filters: Mapping[str, FilterValue] | None = None,
) -> list[Neighbour]:
    """The ``k`` documents nearest to ``document_key`` (itself excluded), nearest first.

    Raises :class:`DocumentNotIndexed` (404) when Chroma holds no vector for ``document_key``.
    """
    checked = check_filters(filters or {})
    own = store.collection.get(where={"document_key": document_key}, include=["embeddings"])
    vectors = own.get("embeddings")
    if vectors is None or len(vectors) == 0:
        raise DocumentNotIndexed(
            f"No stored vectors for {document_key!r}.", details={"document_key": document_key}
        )
    queries = [list(v) for v in vectors]
    # Unfiltered first: a metadata filter makes Chroma evaluate it over the whole collection (1 s at
    # 20,000 documents on a busy machine, against 0.15 s unfiltered), so the nearest chunks are
    # fetched generously and filtered here. Only when that leaves too few does Chroma filter.
    n = max(k * OVERFETCH, UNFILTERED_CANDIDATES) + len(queries)
    answer = store.collection.query(query_embeddings=queries, n_results=n, include=["distances", "metadatas"])
    found = _neighbours(answer, document_key, checked)
    if len(found) < k and checked and _full(answer, n):
        where = chroma_where(checked) or {}
        exclude = {"document_key": {"$ne": document_key}}
        answer = store.collection.query(
            query_embeddings=queries,
            n_results=k * OVERFETCH,
            where={"$and": [where, exclude]},
            include=["distances", "metadatas"],
        )
        found = _neighbours(answer, document_key, checked)
    return sorted(found.values(), key=lambda n: (-n.score, n.document_key))[:k]


def _full(answer: Any, n: int) -> bool:
    """Whether Chroma returned all ``n`` asked for (so more chunks may lie beyond)."""
    return any(len(ids) >= n for ids in answer["ids"])


def _matches(meta: Mapping[str, Any], filters: Mapping[str, FilterValue]) -> bool:
    """``chroma_where``'s semantics in Python: every key equal, a list matching any of its items."""
    for key, wanted in filters.items():
        value = meta.get(key)
        if isinstance(wanted, list):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


def _neighbours(answer: Any, document_key: str, filters: Mapping[str, FilterValue]) -> dict[str, Neighbour]:
    best: dict[str, Neighbour] = {}
    for ids, distances, metadatas in zip(
        answer["ids"], answer["distances"] or [], answer["metadatas"] or [], strict=True
    ):
        for _, distance, metadata in zip(ids, distances, metadatas, strict=True):
            meta = dict(metadata or {})
            key = str(meta.get("document_key") or "")
            if not key or key == document_key or not _matches(meta, filters):
                continue
            score = 1.0 - float(distance)
            if key not in best or score > best[key].score:
                best[key] = Neighbour(
                    document_key=key,
                    score=score,
                    metadata={name: value for name, value in meta.items() if name not in _CHUNK_FIELDS},
                )
    return best
