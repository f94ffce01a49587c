"""Chunks in Chroma (vectors) and Postgres (text and keyword index), replaced by document key.

One Chroma collection per embedding model (``<prefix>-<model id>``, the model id and dimension in
its metadata), so vectors of different models never meet in one index. Chunk ids are deterministic
(:func:`~portfolio_documents.processing.index.fingerprint.chunk_id`) and the document id is derived from
the key (:func:`document_id_for`), so writing the same document again overwrites instead of adding.

Replacing a document by key, in this order:

1. Chroma: upsert the new chunks (ids ``0..n-1``), then delete the key's chunks at index ``>= n``.
   Searches never see the document vanish in between.
2. Postgres, inside the caller's transaction (with the job update and the outbox message): upsert
   the document row, delete the key's chunk rows, insert the new ones.

A crash between the two leaves Chroma ahead of Postgres; the job runs again and converges. Search
takes texts from Postgres, so a vector without a row is never returned meanwhile.

Chunk texts live in Postgres only: Chroma holds vectors and the metadata filters need. Storing the
texts there as well would index them a second time (Chroma builds a full-text index of documents),
which measured nearly halves the insert rate, for text nothing reads from Chroma.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from portfolio_documents.models import Chunk as ChunkRow
from portfolio_documents.models import Document
from portfolio_documents.processing.index.fingerprint import chunk_id

MetadataValue = str | int | float | bool
#: Namespace of document ids: uuid5(namespace, document_key).
DOCUMENT_NAMESPACE = uuid.UUID("6f1d3c1e-8a47-4c2b-9a3e-2d6c8b9f0a11")
#: Keys every chunk's metadata carries; a document's own metadata cannot override them.
RESERVED_KEYS = frozenset(
    {
        "document_key",
        "document_id",
        "title",
        "source_type",
        "source_url",
        "chunk_index",
        "page_start",
        "page_end",
        "heading",
        "char_start",
        "char_end",
        "embedding_model",
    }
)
_NAME_CHARS = re.compile(r"[^a-zA-Z0-9_-]+")


class ChunkLike(Protocol):
    """What the store reads from a chunk (``processing.types.Chunk`` has these)."""

    text: str
    index: int
    heading_path: list[str]
    page_start: int | None
    page_end: int | None
    char_start: int
    char_end: int


@dataclass(frozen=True)
class DocumentRecord:
    """A document's fields as stored (everything but its chunks)."""

    document_key: str
    title: str
    source_type: str
    content_sha256: str
    source_url: str | None = None
    file_sha256: str | None = None
    pages: int | None = None
    characters: int = 0
    summary: str | None = None
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict)

    @property
    def document_id(self) -> uuid.UUID:
        return document_id_for(self.document_key)


def document_id_for(document_key: str) -> uuid.UUID:
    """The stable id of the document stored under ``document_key``."""
    return uuid.uuid5(DOCUMENT_NAMESPACE, document_key)


def collection_name(prefix: str, model_id: str) -> str:
    """``<prefix>-<model id>`` made a valid Chroma name: ``[a-zA-Z0-9_-]``, 3 to 512 characters,
    alphanumeric at both ends."""
    model = _NAME_CHARS.sub("-", model_id).strip("-_").lower() or "model"
    name = f"{prefix}-{model}"[:512].strip("-_")
    return name if len(name) >= 3 else f"{name}-col"


def chunk_metadata(document: DocumentRecord, chunk: ChunkLike, model_id: str) -> dict[str, MetadataValue]:
    """The flat metadata a chunk carries in both stores; search filters match it. No ``None`` values
    (Chroma refuses them)."""
    meta: dict[str, Any] = {k: v for k, v in document.metadata.items() if k not in RESERVED_KEYS}
    meta.update(
        document_key=document.document_key,
        document_id=str(document.document_id),
        title=document.title,
        source_type=document.source_type,
        source_url=document.source_url,
        chunk_index=chunk.index,
        page_start=chunk.page_start,
        page_end=chunk.page_end,
        heading=" > ".join(chunk.heading_path),
        char_start=chunk.char_start,
        char_end=chunk.char_end,
        embedding_model=model_id,
    )
    return {k: v for k, v in meta.items() if v is not None}


def open_chroma(url: str, *, path: str | None = None, token: str | None = None) -> Any:
    """A Chroma client: the server at ``url``, or (single process only) the embedded store at ``path``.

    ``token`` goes with every request as ``Authorization: Bearer <token>``, for the authenticating
    proxy in front of the server (Chroma 1.x's own server checks no credentials).
    """
    import chromadb
    from chromadb.config import Settings

    quiet = Settings(anonymized_telemetry=False)
    if path:
        return chromadb.PersistentClient(path=path, settings=quiet)
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    return chromadb.HttpClient(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or (443 if secure else 80),
        ssl=secure,
        headers={"Authorization": f"Bearer {token}"} if token else None,
        settings=quiet,
    )


class ChunkStore:
    """Writes, replaces and deletes documents' chunks in Chroma and Postgres for one embedding model."""

    def __init__(self, chroma: Any, *, prefix: str, model_id: str, dimension: int) -> None:
        self.chroma = chroma
        self.prefix = prefix
        self.model_id = model_id
        self.dimension = dimension
        self.name = collection_name(prefix, model_id)
        self._collection: Any | None = None
        self._batch: int | None = None

    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._collection = self.chroma.get_or_create_collection(
                self.name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding_model": self.model_id, "dimension": self.dimension},
            )
        return self._collection

    @property
    def batch_size(self) -> int:
        if self._batch is None:
            self._batch = min(int(self.chroma.get_max_batch_size()), 2000)
        return self._batch

    def ids(self, document_key: str, count: int) -> list[str]:
        return [chunk_id(document_key, index, self.model_id) for index in range(count)]

    # -- Chroma ------------------------------------------------------------------------------

    def replace_vectors(
        self,
        document: DocumentRecord,
        chunks: Sequence[ChunkLike],
        embeddings: Sequence[Sequence[float]],
    ) -> list[str]:
        """Step 1: upsert ``chunks`` into Chroma, then drop the key's chunks past the new count."""
        if len(chunks) != len(embeddings):
            raise ValueError(f"{len(chunks)} chunks but {len(embeddings)} embeddings")
        for vector in embeddings[:1]:
            if len(vector) != self.dimension:
                raise ValueError(f"embedding of dimension {len(vector)}, collection wants {self.dimension}")
        ids = [chunk_id(document.document_key, c.index, self.model_id) for c in chunks]
        metadatas = [chunk_metadata(document, c, self.model_id) for c in chunks]
        for start in range(0, len(ids), self.batch_size):
            end = start + self.batch_size
            self.collection.upsert(
                ids=ids[start:end],
                embeddings=[list(v) for v in embeddings[start:end]],
                metadatas=metadatas[start:end],
            )
        self.collection.delete(
            where={"$and": [{"document_key": document.document_key}, {"chunk_index": {"$gte": len(chunks)}}]}
        )
        return ids

    def delete_vectors(self, document_key: str) -> None:
        """Remove the key's chunks from every collection of this prefix (older models included)."""
        for collection in self.chroma.list_collections():
            name = collection if isinstance(collection, str) else collection.name
            if name.startswith(f"{self.prefix}-"):
                self.chroma.get_collection(name).delete(where={"document_key": document_key})

    def count_vectors(self, document_key: str | None = None) -> int:
        """How many chunks Chroma holds (for one key, or all) in this model's collection."""
        if document_key is None:
            return int(self.collection.count())
        return len(self.collection.get(where={"document_key": document_key}, include=[])["ids"])

    # -- Postgres ----------------------------------------------------------------------------

    def replace_rows(
        self, session: Session, document: DocumentRecord, chunks: Sequence[ChunkLike]
    ) -> uuid.UUID:
        """Step 2, in ``session``'s transaction: upsert the document row and replace its chunk rows."""
        values: dict[str, Any] = {
            "id": document.document_id,
            "document_key": document.document_key,
            "title": document.title,
            "source_type": document.source_type,
            "source_url": document.source_url,
            "content_sha256": document.content_sha256,
            "file_sha256": document.file_sha256,
            "pages": document.pages,
            "chunks": len(chunks),
            "characters": document.characters,
            "summary": document.summary,
            "metadata": dict(document.metadata),
            "embedding_model": self.model_id,
        }
        table = Document.__table__
        statement = insert(table).values(**values)
        updates: dict[str, Any] = {
            name: statement.excluded[name] for name in values if name not in ("id", "document_key")
        }
        updates["updated_at"] = func.now()
        # The id of a row made another way (not from the key) is kept: the key is the identity.
        document_id: uuid.UUID = session.execute(
            statement.on_conflict_do_update(index_elements=["document_key"], set_=updates).returning(
                table.c.id
            )
        ).scalar_one()
        session.execute(delete(ChunkRow).where(ChunkRow.document_key == document.document_key))
        rows = [
            {
                "id": chunk_id(document.document_key, c.index, self.model_id),
                "document_id": document_id,
                "document_key": document.document_key,
                "chunk_index": c.index,
                "text": c.text,
                "heading_path": list(c.heading_path),
                "page_start": c.page_start,
                "page_end": c.page_end,
                "char_start": c.char_start,
                "char_end": c.char_end,
                "metadata": chunk_metadata(document, c, self.model_id),
            }
            for c in chunks
        ]
        for start in range(0, len(rows), 1000):
            session.execute(insert(ChunkRow.__table__), rows[start : start + 1000])
        return document_id

    @staticmethod
    def delete_rows(session: Session, document_key: str) -> bool:
        """Delete the document row (its chunk rows go with it); False when there was none."""
        deleted = session.execute(
            delete(Document).where(Document.document_key == document_key).returning(Document.id)
        ).first()
        session.execute(delete(ChunkRow).where(ChunkRow.document_key == document_key))
        return deleted is not None

    # -- both --------------------------------------------------------------------------------

    def store(
        self,
        session: Session,
        document: DocumentRecord,
        chunks: Sequence[ChunkLike],
        embeddings: Sequence[Sequence[float]],
    ) -> uuid.UUID:
        """Both steps; the caller commits ``session``."""
        self.replace_vectors(document, chunks, embeddings)
        return self.replace_rows(session, document, chunks)

    def delete_document(self, session: Session, document_key: str) -> bool:
        """Remove a document everywhere (Chroma first, so no vector outlives its row); the caller
        commits. True when the document existed in Postgres."""
        self.delete_vectors(document_key)
        return self.delete_rows(session, document_key)


def existing_document(session: Session, document_key: str) -> Document | None:
    """The stored document for ``document_key``, if any."""
    return session.execute(select(Document).where(Document.document_key == document_key)).scalar_one_or_none()
