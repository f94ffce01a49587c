"""Vertex AI text embeddings through the google-genai SDK (``vertexai=True``).

For ``text-embedding-*`` models the SDK posts to
``{base}/v1beta1/projects/{project}/locations/{location}/publishers/google/models/{model}:predict``
with ``{"instances": [{"content": ..., "task_type": ...}]}`` and reads
``predictions[].embeddings.values``. Vertex takes at most 250 texts and 20,000 tokens per request;
batches here stay at 100 texts and an estimated 15,000 tokens.

Token counts are estimated locally, never asked of the API: the chunker measures every candidate
piece, and one network round trip per measurement would dominate ingestion. The estimate
(:func:`approximate_token_count`) errs high, so chunks come out smaller than the model's limit, never
larger.

Credentials: by default Application Default Credentials (the Cloud Run service account). Tests pass
``credentials=`` with a fixed token and ``base_url`` pointing at a local fake server.
"""

from __future__ import annotations

import contextlib
import functools
import math
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from portfolio_shared.embeddings.base import l2_normalise
from portfolio_shared.errors import UpstreamError
from portfolio_shared.vertex import genai_client, request_http_options

if TYPE_CHECKING:
    import google.auth.credentials
    from google import genai

DEFAULT_MODEL = "text-embedding-005"
DEFAULT_DIMENSION = 768
#: text-embedding-005 reads up to 2,048 tokens per input.
DEFAULT_MAX_TOKENS = 2048
MAX_BATCH_TEXTS = 100
MAX_BATCH_TOKENS = 15_000

VERTEX_UPSTREAM_ERROR = "vertex_upstream_error"
VERTEX_BAD_RESPONSE = "vertex_bad_response"
VERTEX_AUTH_FAILED = "vertex_auth_failed"


def approximate_token_count(text: str) -> int:
    """An upper-leaning estimate of Vertex's token count of ``text``, computed offline.

    Google's rule of thumb is about four characters per token for English; text of short words
    (code, numbers, lists) runs nearer 1.3 tokens per word, so the larger of the two is taken.
    """
    if not text or text.isspace():
        return 0
    return max(math.ceil(len(text) / 4), math.ceil(len(text.split()) * 1.3))


def vertex_error(exc: Exception, what: str) -> UpstreamError:
    """The shared-envelope error for a failed Vertex call (the SDK's, httpx's or google-auth's)."""
    from google.auth import exceptions as auth_exceptions
    from google.genai import errors as genai_errors

    if isinstance(exc, genai_errors.APIError):
        return UpstreamError(
            f"Vertex AI {what} failed: {exc.code} {exc.status or ''} {exc.message or ''}".strip(),
            code=VERTEX_UPSTREAM_ERROR,
            details={"status": exc.code},
        )
    if isinstance(exc, auth_exceptions.GoogleAuthError):
        return UpstreamError(f"Vertex AI credentials are not usable: {exc}", code=VERTEX_AUTH_FAILED)
    return UpstreamError(f"Vertex AI {what} failed: {exc}", code=VERTEX_UPSTREAM_ERROR)


def upstream_exceptions() -> tuple[type[Exception], ...]:
    """What a failed Vertex call raises: the SDK's errors, google-auth's, and transport errors.

    google-genai sends through ``httpx2`` (a fork of httpx under its own import name) when it is
    installed, else httpx; the classes of the two are unrelated, so both are listed.
    """
    import importlib

    import httpx
    from google.auth import exceptions as auth_exceptions
    from google.genai import errors as genai_errors

    caught: list[type[Exception]] = [genai_errors.APIError, auth_exceptions.GoogleAuthError, httpx.HTTPError]
    with contextlib.suppress(ImportError):
        caught.append(importlib.import_module("httpx2").HTTPError)
    return tuple(caught)


class VertexEmbeddingProvider:
    """Vertex text embeddings (``text-embedding-005`` by default), L2-normalised, batched."""

    def __init__(
        self,
        *,
        project: str,
        location: str,
        base_url: str | None = None,
        credentials: google.auth.credentials.Credentials | None = None,
        model: str = DEFAULT_MODEL,
        dimension: int = DEFAULT_DIMENSION,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        batch_texts: int = MAX_BATCH_TEXTS,
        batch_tokens: int = MAX_BATCH_TOKENS,
        timeout_s: float = 60.0,
        retry_attempts: int = 3,
        retry_initial_delay: float = 1.0,
    ) -> None:
        if not project or not location:
            raise ValueError("the vertex embedding provider needs a project and a location")
        if not 1 <= batch_texts <= 250:
            raise ValueError("Vertex accepts 1 to 250 texts per request")
        self.model_id = model
        self.dimension = dimension
        self.max_tokens = max_tokens
        self._batch_texts = batch_texts
        self._batch_tokens = batch_tokens
        self._make_client = functools.partial(
            genai_client,
            project=project,
            location=location,
            base_url=base_url,
            credentials=credentials,
            timeout_s=timeout_s,
            retry_attempts=retry_attempts,
            retry_initial_delay=retry_initial_delay,
        )
        self._client: genai.Client | None = None
        self._lock = threading.Lock()

    def _get_client(self) -> genai.Client:
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def count_tokens(self, text: str) -> int:
        """An offline estimate of Vertex's count (see :func:`approximate_token_count`)."""
        return approximate_token_count(text)

    def batches(self, texts: Sequence[str]) -> Iterator[list[str]]:
        """Consecutive groups of ``texts`` within the per-request text and token budgets."""
        batch: list[str] = []
        tokens = 0
        for text in texts:
            cost = min(self.count_tokens(text), self.max_tokens)
            if batch and (len(batch) >= self._batch_texts or tokens + cost > self._batch_tokens):
                yield batch
                batch, tokens = [], 0
            batch.append(text)
            tokens += cost
        if batch:
            yield batch

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit vectors of ``texts`` (task type RETRIEVAL_DOCUMENT), one request per batch."""
        vectors: list[list[float]] = []
        for batch in self.batches(texts):
            vectors.extend(self._embed(batch, task_type="RETRIEVAL_DOCUMENT"))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        """The vector of a search query (task type RETRIEVAL_QUERY, as Vertex recommends for retrieval)."""
        return self._embed([text], task_type="RETRIEVAL_QUERY")[0]

    def _embed(self, batch: list[str], *, task_type: str) -> list[list[float]]:
        from google.genai import types

        config = types.EmbedContentConfig(task_type=task_type, http_options=request_http_options())
        try:
            response = self._get_client().models.embed_content(
                model=self.model_id,
                contents=batch,  # type: ignore[arg-type]  # list[str] is accepted at run time and documented
                config=config,
            )
        except upstream_exceptions() as exc:
            raise vertex_error(exc, "embedding") from exc
        embeddings = response.embeddings or []
        if len(embeddings) != len(batch):
            raise UpstreamError(
                f"Vertex AI returned {len(embeddings)} embeddings for {len(batch)} texts.",
                code=VERTEX_BAD_RESPONSE,
            )
        rows = [e.values or [] for e in embeddings]
        if any(len(row) != self.dimension for row in rows):
            raise UpstreamError(
                f"Vertex AI returned vectors of another dimension than {self.dimension}.",
                code=VERTEX_BAD_RESPONSE,
            )
        normalised: list[list[float]] = l2_normalise(np.asarray(rows, dtype=np.float32)).tolist()
        return normalised
