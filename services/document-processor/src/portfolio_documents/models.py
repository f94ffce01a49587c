"""The document processor's tables: processing jobs, documents and their chunks (with the keyword index).

The outbox tables are not modelled: they come from ``portfolio_shared.outbox``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Computed, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from portfolio_documents.db import Base

#: A job's stages in order; ``succeeded`` and ``failed`` end it. A batch is ``running`` or ``partial``.
STAGES = ("queued", "fetching", "extracting", "chunking", "embedding", "storing")
TERMINAL = ("succeeded", "failed", "partial")
JOB_STATES = (*STAGES, "running", *TERMINAL)

#: The keyword index: the document's title weighs most (A), then the chunk's headings (B), then its
#: text (D); ``processing.index.keyword`` ranks with these classes. Every function is immutable with an
#: explicit configuration, as a generated column requires (migration 0003 rebuilt stored rows).
TSV_EXPRESSION = (
    "setweight(to_tsvector('english'::regconfig, coalesce(metadata ->> 'title', '')), 'A') || "
    "setweight(jsonb_to_tsvector('english'::regconfig, heading_path, '[\"string\"]'::jsonb), 'B') || "
    "setweight(to_tsvector('english'::regconfig, text), 'D')"
)


class ProcessingJob(Base):
    """One processing request: ``source`` says what to fetch, ``result`` or ``error`` how it ended.

    ``state`` is one of :data:`JOB_STATES`; ``timings`` holds the seconds spent per stage;
    ``attempts`` counts the runs a worker started (a redelivered job runs again).
    """

    __tablename__ = "processing_job"

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, default=uuid.uuid4, server_default=sql("gen_random_uuid()")
    )
    state: Mapped[str] = mapped_column(String(16), server_default="queued", index=True)
    #: 0-100.
    progress: Mapped[int] = mapped_column(Integer, server_default="0")
    source: Mapped[dict[str, Any]] = mapped_column(JSONB)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    document_key: Mapped[str | None] = mapped_column(String(512), index=True)
    timings: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=sql("'{}'::jsonb"))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    #: The worker child running it now (for operators; a crash test kills exactly this process).
    worker_pid: Mapped[int | None] = mapped_column(Integer)
    #: A batch's items point at the batch job.
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("processing_job.id", ondelete="CASCADE"), index=True
    )


class Document(Base):
    """A processed document; the same ``document_key`` again replaces it."""

    __tablename__ = "document"

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, default=uuid.uuid4, server_default=sql("gen_random_uuid()")
    )
    document_key: Mapped[str] = mapped_column(String(512), unique=True)
    title: Mapped[str] = mapped_column(Text, server_default="")
    source_type: Mapped[str] = mapped_column(String(32))
    source_url: Mapped[str | None] = mapped_column(Text)
    #: SHA-256 of the normalised text (NFKC, whitespace collapsed): the same content under another key
    #: is a duplicate. Indexed, not unique: replacing a document briefly holds old and new.
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: SHA-256 of an uploaded or fetched file's bytes, so a re-upload is recognised before any work.
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    embedding_model: Mapped[str | None] = mapped_column(String(200))
    pages: Mapped[int | None] = mapped_column(Integer)
    chunks: Mapped[int] = mapped_column(Integer, server_default="0")
    characters: Mapped[int] = mapped_column(Integer, server_default="0")
    summary: Mapped[str | None] = mapped_column(Text)
    # "metadata" is reserved on declarative classes, so the attribute has another name.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, server_default=sql("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Chunk(Base):
    """One chunk of a document, as stored in Chroma too (same id); ``tsv`` is its keyword index."""

    __tablename__ = "chunk"
    __table_args__ = (
        Index("ix_chunk_tsv", "tsv", postgresql_using="gin"),
        Index("ix_chunk_document_key_index", "document_key", "chunk_index", unique=True),
        Index(
            "ix_chunk_metadata",
            "metadata",
            postgresql_using="gin",
            postgresql_ops={"metadata": "jsonb_path_ops"},
        ),
    )

    #: sha256(document_key, chunk_index, embedding model) in hex: the same chunk gets the same id.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    document_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    document_key: Mapped[str] = mapped_column(String(512))
    chunk_index: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    heading_path: Mapped[list[str]] = mapped_column(JSONB, server_default=sql("'[]'::jsonb"))
    page_start: Mapped[int | None] = mapped_column(Integer)
    page_end: Mapped[int | None] = mapped_column(Integer)
    char_start: Mapped[int] = mapped_column(Integer)
    char_end: Mapped[int] = mapped_column(Integer)
    #: Everything a search filter may match: document fields plus the document's own metadata.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, server_default=sql("'{}'::jsonb"))
    tsv: Mapped[str] = mapped_column(TSVECTOR, Computed(TSV_EXPRESSION, persisted=True))
