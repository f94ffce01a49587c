"""The long-lived objects of a process, built from settings: the sync engine, Chroma, the embedder,
file storage, the chunk store and the pipeline. The worker and the CLI use the pipeline; the API uses
the store and the embedder for search.

Everything is built lazily and cached per process id: a Celery parent builds nothing, and each forked
child makes its own connections and model session (sockets and onnxruntime threads do not survive a
fork).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy import create_engine as create_sync_engine

from portfolio_documents.config import DocumentsSettings
from portfolio_documents.processing.content import FetchLimits
from portfolio_documents.processing.index.store import ChunkStore, open_chroma
from portfolio_documents.processing.pipeline import Pipeline, PipelineConfig, ProgressCallback, Summarizer
from portfolio_documents.processing.storage import Storage, storage_from_settings
from portfolio_shared.health import DB_CONNECT_TIMEOUT_S
from portfolio_shared.sql import sqlalchemy_url

if TYPE_CHECKING:
    from portfolio_shared.embeddings import EmbeddingProvider

_lock = threading.Lock()
_cache: dict[tuple[Any, ...], Any] = {}


def _cached(key: tuple[Any, ...], build: Any) -> Any:
    key = (os.getpid(), *key)
    with _lock:
        if key not in _cache:
            _cache[key] = build()
        return _cache[key]


def sync_engine(database_url: str) -> Engine:
    """A small synchronous engine (psycopg 3) for the worker's short transactions."""
    return _cached(  # type: ignore[no-any-return]
        ("engine", database_url),
        lambda: create_sync_engine(
            sqlalchemy_url(database_url),
            pool_pre_ping=True,
            pool_size=3,
            connect_args={"connect_timeout": DB_CONNECT_TIMEOUT_S},
        ),
    )


def embedder(settings: DocumentsSettings) -> EmbeddingProvider:
    """The configured embedding provider (``EMBEDDING_PROVIDER``), loaded once per process."""
    from portfolio_shared.embeddings import get_embedding_provider

    return get_embedding_provider(
        settings.embedding_provider,
        project=settings.google_cloud_project,
        location=settings.google_cloud_location,
    )


def chroma(settings: DocumentsSettings, *, embedded: bool = False) -> Any:
    """The Chroma client: the server at ``CHROMA_URL``; the embedded ``CHROMA_PATH`` only when asked
    (a single-process CLI run)."""
    path = settings.chroma_path if embedded else None
    token = settings.chroma_auth_token.get_secret_value() if settings.chroma_auth_token else None
    return _cached(
        ("chroma", settings.chroma_url, path, token),
        lambda: open_chroma(settings.chroma_url, path=path, token=token),
    )


def storage(settings: DocumentsSettings) -> Storage:
    return _cached(  # type: ignore[no-any-return]
        ("storage", settings.media_root, settings.gcs_bucket),
        lambda: storage_from_settings(media_root=settings.media_root, gcs_bucket=settings.gcs_bucket),
    )


def chunk_store(
    settings: DocumentsSettings, provider: EmbeddingProvider, *, embedded: bool = False
) -> ChunkStore:
    return ChunkStore(
        chroma(settings, embedded=embedded),
        prefix=settings.chroma_collection_prefix,
        model_id=provider.model_id,
        dimension=provider.dimension,
    )


def fetch_limits(settings: DocumentsSettings) -> FetchLimits:
    return FetchLimits(
        max_bytes=settings.max_upload_bytes,
        max_pages=settings.max_pdf_pages,
        allow_private=settings.outbound_allow_private,
        allowed_ports=settings.outbound_ports,
        github_api_url=settings.github_api_url,
        github_token=settings.github_token.get_secret_value() if settings.github_token else None,
        trusted_base=settings.trusted_core_base,
    )


def summarizer(settings: DocumentsSettings) -> Summarizer:
    """``SUMMARY_PROVIDER``: the local extractive summary, or Gemini on Vertex AI."""
    from portfolio_documents.processing.summarize import VertexSummarySettings, summarize

    vertex = None
    if settings.summary_provider == "vertex":
        if not settings.google_cloud_project or not settings.google_cloud_location:
            raise ValueError("SUMMARY_PROVIDER=vertex needs GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION")
        vertex = VertexSummarySettings(
            project=settings.google_cloud_project, location=settings.google_cloud_location
        )

    def summarise(text: str) -> str:
        return summarize(text, provider=settings.summary_provider, vertex=vertex)

    return summarise


def build_pipeline(
    settings: DocumentsSettings,
    *,
    provider: EmbeddingProvider | None = None,
    on_progress: ProgressCallback | None = None,
    embedded_chroma: bool = False,
) -> Pipeline:
    """A pipeline on this process's shared objects (``provider`` replaces the configured embedder)."""
    provider = provider or embedder(settings)
    return Pipeline(
        engine=sync_engine(settings.database_url),
        store=chunk_store(settings, provider, embedded=embedded_chroma),
        embedder=provider,
        storage=storage(settings),
        config=PipelineConfig(
            limits=fetch_limits(settings),
            embedding_batch_size=settings.embedding_batch_size,
            max_attempts=settings.max_job_attempts,
        ),
        summarizer=summarizer(settings),
        on_progress=on_progress,
    )
