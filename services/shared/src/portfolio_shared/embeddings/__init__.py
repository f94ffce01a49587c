"""Embedding providers: ``local`` (offline all-MiniLM-L6-v2 on onnxruntime, the default) and ``vertex``.

Needs the ``embeddings`` extra. Use one provider per process::

    provider = get_embedding_provider("local")
    vectors = provider.embed_documents(chunks)      # unit-length, batched
    query = provider.embed_query("how are PDFs chunked?")

Each model gets its own vector collection (``provider.model_id``): vectors of different models are
not comparable. Importing this package is cheap; onnxruntime, the tokenizer and google-genai load
when first used.
"""

from portfolio_shared.embeddings.base import (
    EMBEDDING_MODEL_CHECKSUM,
    EMBEDDING_MODEL_MISSING,
    EmbeddingModelError,
    EmbeddingProvider,
    ProviderName,
    l2_normalise,
)
from portfolio_shared.embeddings.factory import clear_provider_cache, get_embedding_provider

__all__ = [
    "EMBEDDING_MODEL_CHECKSUM",
    "EMBEDDING_MODEL_MISSING",
    "EmbeddingModelError",
    "EmbeddingProvider",
    "ProviderName",
    "clear_provider_cache",
    "get_embedding_provider",
    "l2_normalise",
]
