"""The process's embedding provider by name, built once (re-exported by the package)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from portfolio_shared.embeddings.base import (
    EmbeddingProvider,
    ProviderName,
)

if TYPE_CHECKING:
    import google.auth.credentials


def get_embedding_provider(
    name: ProviderName,
    *,
    project: str | None = None,
    location: str | None = None,
    base_url: str | None = None,
    credentials: google.auth.credentials.Credentials | None = None,
    threads: int | None = None,
) -> EmbeddingProvider:
    """The process's provider for these arguments, built on first call and reused afterwards.

    ``local`` ignores the Vertex arguments (``threads`` sets its onnxruntime threads); ``vertex``
    needs ``project`` and ``location``, and takes ``base_url`` (a proxy or a test server) and
    explicit ``credentials`` (default: Application Default Credentials).
    """
    if name == "local":
        return _local(threads)
    if name == "vertex":
        if not project or not location:
            raise ValueError("EMBEDDING_PROVIDER=vertex needs GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION")
        return _vertex(project, location, base_url, credentials)
    raise ValueError(f"unknown embedding provider {name!r}; expected 'local' or 'vertex'")


@functools.cache
def _local(threads: int | None) -> EmbeddingProvider:
    from portfolio_shared.embeddings.local import LocalMiniLMProvider

    return LocalMiniLMProvider(threads=threads)


@functools.cache
def _vertex(
    project: str,
    location: str,
    base_url: str | None,
    credentials: google.auth.credentials.Credentials | None,
) -> EmbeddingProvider:
    from portfolio_shared.embeddings.vertex import VertexEmbeddingProvider

    return VertexEmbeddingProvider(
        project=project, location=location, base_url=base_url, credentials=credentials
    )


def clear_provider_cache() -> None:
    """Forget the cached providers (tests that build providers with other arguments)."""
    _local.cache_clear()
    _vertex.cache_clear()
