"""One processing job from start to end: fetch → extract → dedup → chunk → embed → store → summarise.

:class:`Pipeline` is what the Celery task and the CLI both run. Each stage records the job's state,
progress (0-100) and the seconds it took; a deliberate failure (a :class:`PortfolioError` such as
``not_a_pdf`` or ``pdf_encrypted``) ends the job ``failed`` with that code. Every end — success,
duplicate or failure — commits together with its ``document.processed`` outbox message to core.

Running a job is idempotent: a finished job is left alone, and a job interrupted midway starts again
from the beginning, its writes replacing by document key (see :mod:`.store`), so nothing doubles.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from portfolio_documents.models import Document
from portfolio_documents.processing import dedup, jobs
from portfolio_documents.processing.content import Content, FetchLimits, extract, fetch
from portfolio_documents.processing.index.fingerprint import content_sha256
from portfolio_documents.processing.index.store import ChunkStore, DocumentRecord
from portfolio_documents.processing.jobs import http_url as _http_url
from portfolio_documents.processing.sources import REPROCESS
from portfolio_documents.processing.storage import Storage
from portfolio_shared.errors import PortfolioError
from portfolio_shared.schemas import DocumentProcessed

if TYPE_CHECKING:
    from portfolio_documents.processing.types import Chunk
    from portfolio_shared.embeddings import EmbeddingProvider

ProgressCallback = Callable[[str, int], None]
Summarizer = Callable[[str], str]
#: The summariser reads at most this much of a document (the abstract and introduction of a paper).
SUMMARY_INPUT_CHARS = 100_000


@dataclass(frozen=True)
class PipelineConfig:
    limits: FetchLimits
    embedding_batch_size: int = 32
    max_attempts: int = 3
    chunk_max_tokens: int = 240
    overlap_ratio: float = 0.15


class _Clock:
    """Seconds per stage, for the job's ``timings``."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._stage: str | None = None
        self._started = time.perf_counter()

    def start(self, stage: str) -> dict[str, float]:
        self.stop()
        self._stage, self._started = stage, time.perf_counter()
        return dict(self.timings)

    def stop(self) -> dict[str, float]:
        if self._stage is not None:
            elapsed = time.perf_counter() - self._started
            self.timings[self._stage] = round(self.timings.get(self._stage, 0.0) + elapsed, 4)
            self._stage = None
        return dict(self.timings)


class Pipeline:
    """Runs jobs against one database, Chroma store, embedder and file storage."""

    def __init__(
        self,
        *,
        engine: Engine,
        store: ChunkStore,
        embedder: EmbeddingProvider,
        storage: Storage,
        config: PipelineConfig,
        summarizer: Summarizer | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.engine = engine
        self.sessions: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
        self.store = store
        self.embedder = embedder
        self.storage = storage
        self.config = config
        self.summarizer = summarizer or _local_summary
        self.on_progress = on_progress

    # -- entry points --------------------------------------------------------------------------

    def run(self, job_id: uuid.UUID | str, *, worker_pid: int | None = None) -> str | None:
        """Run one job; return its final state, or None when there was nothing to do (unknown, ended,
        or running in another process). Unexpected exceptions propagate: call :meth:`fail` for them."""
        job_id = uuid.UUID(str(job_id))
        with jobs.job_lock(self.engine, job_id) as acquired:
            if not acquired:
                return None
            with self.sessions() as session:
                attempt = jobs.begin_attempt(session, job_id, worker_pid=worker_pid)
            if attempt is None:
                return None
            if attempt.attempts > self.config.max_attempts:
                self.fail(
                    job_id,
                    jobs.WORKER_LOST,
                    f"The job's worker died {attempt.attempts - 1} times; it is not tried again.",
                )
                return "failed"
            clock = _Clock()
            try:
                return self._process(attempt, clock)
            except PortfolioError as exc:
                self.fail(job_id, exc.error_code, exc.message, timings=clock.stop())
                return "failed"

    def fail(
        self, job_id: uuid.UUID | str, code: str, message: str, timings: dict[str, float] | None = None
    ) -> bool:
        """End a job that has not ended yet as ``failed`` with ``{code, message}``, and tell core."""
        failed = jobs.fail_job(self.sessions, job_id, code, message, timings=timings)
        if failed:
            self._progress("failed", 100)
        return failed

    # -- stages --------------------------------------------------------------------------------

    def _progress(self, state: str, progress: int) -> None:
        if self.on_progress is not None:
            self.on_progress(state, progress)

    def _stage(self, job_id: uuid.UUID, state: str, progress: int, clock: _Clock | None = None) -> None:
        timings = clock.start(state) if clock is not None else None
        with self.sessions() as session:
            jobs.set_stage(session, job_id, state, progress, timings)
        self._progress(state, progress)

    def _process(self, attempt: jobs.Attempt, clock: _Clock) -> str:
        job_id, source = attempt.job_id, attempt.source
        key = attempt.document_key or str(source.get("document_key") or f"job:{job_id}")
        limits = self.config.limits

        self._stage(job_id, "fetching", 2, clock)
        fetched = fetch(source, self.storage, limits)
        self._stage(job_id, "extracting", 10, clock)
        content = extract(fetched, limits)
        sha = content_sha256(content.full_text)
        record = DocumentRecord(
            document_key=key,
            title=content.title,
            source_type=str(source["type"]),
            content_sha256=sha,
            source_url=_http_url(content.source_url or source.get("source_url")),
            file_sha256=content.file_sha256,
            pages=content.page_count,
            characters=len(content.full_text),
            metadata=dict(source.get("metadata") or {}),
        )
        existing = None if source.get(REPROCESS) else self._existing(record)
        if existing is not None:
            return self._finish_existing(job_id, record, existing, clock)

        self._stage(job_id, "chunking", 25, clock)
        chunks = self._chunk(content)
        self._stage(job_id, "embedding", 30, clock)
        embeddings = self._embed(job_id, chunks)
        self._stage(job_id, "storing", 85, clock)
        self.store.replace_vectors(record, chunks, embeddings)
        summary = self.summarizer(content.full_text[:SUMMARY_INPUT_CHARS]) if chunks else ""
        record = dataclasses.replace(record, summary=summary or None)
        timings = clock.stop()
        with self.sessions() as session, session.begin():
            document_id = self.store.replace_rows(session, record, chunks)
            result = _result(document_id, record, len(chunks))
            jobs.finish(
                session,
                job_id,
                payload=_payload(job_id, document_id, record, len(chunks), "succeeded"),
                result={**result, "extractor": content.extractor} if content.extractor else result,
                timings=timings,
            )
        self._progress("succeeded", 100)
        return "succeeded"

    def _existing(self, record: DocumentRecord) -> Document | None:
        """The stored document this content needs no new copy of (:func:`dedup.already_stored`)."""
        with self.sessions() as session:
            stored = session.execute(dedup.same_content(record.content_sha256)).scalars().all()
            return dedup.already_stored(
                stored,
                document_key=record.document_key,
                content_sha256=record.content_sha256,
                title=record.title,
                metadata=record.metadata,
                source_url=record.source_url,
                model_id=self.store.model_id,
            )

    def _finish_existing(
        self, job_id: uuid.UUID, record: DocumentRecord, existing: Document, clock: _Clock
    ) -> str:
        timings = clock.stop()
        stored = DocumentRecord(
            document_key=existing.document_key,
            title=existing.title,
            source_type=existing.source_type,
            content_sha256=existing.content_sha256,
            source_url=existing.source_url,
            pages=existing.pages,
            characters=existing.characters,
            summary=existing.summary,
        )
        result = _result(existing.id, stored, existing.chunks)
        if existing.document_key != record.document_key:
            result["duplicate_of"] = existing.document_key
        else:
            result["unchanged"] = True
        with self.sessions() as session, session.begin():
            jobs.finish(
                session,
                job_id,
                payload=_payload(job_id, existing.id, stored, existing.chunks, "succeeded"),
                result=result,
                timings=timings,
            )
        self._progress("succeeded", 100)
        return "succeeded"

    def _chunk(self, content: Content) -> list[Chunk]:
        from portfolio_documents.processing.index.chunk import chunk_markdown, chunk_pages

        max_tokens = min(self.config.chunk_max_tokens, self.embedder.max_tokens - 16)
        options: dict[str, Any] = {
            "count_tokens": self.embedder.count_tokens,
            "max_tokens": max_tokens,
            "overlap_ratio": self.config.overlap_ratio,
        }
        if content.pages is not None:
            return chunk_pages(content.pages, **options)
        chunks: list[Chunk] = []
        offset = 0
        for section in content.sections:
            for piece in chunk_markdown(section.text, **options):
                chunks.append(
                    dataclasses.replace(
                        piece,
                        index=len(chunks),
                        heading_path=[*section.heading_prefix, *piece.heading_path],
                        char_start=piece.char_start + offset,
                        char_end=piece.char_end + offset,
                    )
                )
            offset += len(section.text) + 2  # the "\n\n" joining sections in full_text
        return chunks

    def _embed(self, job_id: uuid.UUID, chunks: Sequence[Chunk]) -> list[list[float]]:
        vectors: list[list[float]] = []
        size = self.config.embedding_batch_size
        last_reported = 30
        for start in range(0, len(chunks), size):
            vectors.extend(self.embedder.embed_documents([c.text for c in chunks[start : start + size]]))
            progress = 30 + (55 * len(vectors)) // max(1, len(chunks))
            if progress > last_reported:
                last_reported = progress
                with self.sessions() as session:
                    jobs.set_stage(session, job_id, "embedding", progress)
                self._progress("embedding", progress)
        return vectors


def _result(document_id: uuid.UUID, record: DocumentRecord, chunks: int) -> dict[str, Any]:
    return {
        "document_id": str(document_id),
        "document_key": record.document_key,
        "pages": record.pages or 0,
        "chunks": chunks,
        "characters": record.characters,
        "summary": record.summary,
        "content_sha256": record.content_sha256,
    }


def _payload(
    job_id: uuid.UUID, document_id: uuid.UUID, record: DocumentRecord, chunks: int, state: str
) -> DocumentProcessed:
    return DocumentProcessed(
        job_id=str(job_id),
        document_id=str(document_id),
        document_key=record.document_key,
        state=state,  # type: ignore[arg-type]
        source_type=record.source_type,  # type: ignore[arg-type]
        source_url=_http_url(record.source_url),
        title=record.title,
        pages=record.pages or 0,
        chunks=chunks,
        characters=record.characters,
        summary=record.summary,
        content_sha256=record.content_sha256,
    )


def _local_summary(text: str) -> str:
    from portfolio_documents.processing.summarize import summarize

    return summarize(text, provider="local")
