"""The Vertex embedding provider, through the real google-genai SDK, against a local fake Vertex."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from portfolio_shared.embeddings import EmbeddingProvider, get_embedding_provider
from portfolio_shared.embeddings.testing import FAKE_TOKEN, FakeVertexServer
from portfolio_shared.embeddings.vertex import (
    MAX_BATCH_TEXTS,
    MAX_BATCH_TOKENS,
    VERTEX_AUTH_FAILED,
    VERTEX_BAD_RESPONSE,
    VERTEX_UPSTREAM_ERROR,
    VertexEmbeddingProvider,
    approximate_token_count,
)
from portfolio_shared.errors import UpstreamError
from portfolio_shared.log import REQUEST_ID_HEADER, request_id_var

PROJECT, LOCATION = "portfolio-demo", "europe-west1"
PREDICT_PATH = (
    f"/v1beta1/projects/{PROJECT}/locations/{LOCATION}/publishers/google/models/text-embedding-005:predict"
)


@pytest.fixture
def fake() -> Iterator[FakeVertexServer]:
    with FakeVertexServer() as server:
        yield server


def make_provider(fake: FakeVertexServer, **kwargs: Any) -> VertexEmbeddingProvider:
    kwargs.setdefault("credentials", fake.credentials())
    return VertexEmbeddingProvider(
        project=PROJECT, location=LOCATION, base_url=fake.url, retry_initial_delay=0.01, **kwargs
    )


def expected(text: str) -> list[float]:
    vector = np.asarray(FakeVertexServer.vector_for(text), dtype=np.float64)
    return list(vector / np.linalg.norm(vector))


def test_documents_go_to_the_predict_endpoint_in_vertex_shape(fake: FakeVertexServer) -> None:
    provider = make_provider(fake)
    assert isinstance(provider, EmbeddingProvider)
    assert (provider.model_id, provider.dimension) == ("text-embedding-005", 768)

    vectors = provider.embed_documents(["first passage", "second passage"])

    (request,) = fake.requests
    assert request.path == PREDICT_PATH
    assert request.headers["authorization"] == f"Bearer {FAKE_TOKEN}"
    assert request.body["instances"] == [
        {"content": "first passage", "task_type": "RETRIEVAL_DOCUMENT"},
        {"content": "second passage", "task_type": "RETRIEVAL_DOCUMENT"},
    ]
    assert np.allclose(vectors, [expected("first passage"), expected("second passage")], atol=1e-6)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)  # the fake answers longer vectors


def test_queries_use_the_query_task_type(fake: FakeVertexServer) -> None:
    vector = make_provider(fake).embed_query("how are PDFs chunked?")
    assert fake.requests[0].body["instances"] == [
        {"content": "how are PDFs chunked?", "task_type": "RETRIEVAL_QUERY"}
    ]
    assert np.allclose(vector, expected("how are PDFs chunked?"), atol=1e-6)


def test_many_texts_are_batched_by_count_and_keep_their_order(fake: FakeVertexServer) -> None:
    texts = [f"passage number {i}" for i in range(MAX_BATCH_TEXTS * 2 + 50)]
    vectors = make_provider(fake).embed_documents(texts)
    assert [len(r.body["instances"]) for r in fake.requests] == [100, 100, 50]
    sent = [item["content"] for r in fake.requests for item in r.body["instances"]]
    assert sent == texts
    assert np.allclose(vectors, [expected(t) for t in texts], atol=1e-6)


def test_long_texts_are_batched_by_token_budget(fake: FakeVertexServer) -> None:
    texts = [f"{i} " + "tokens " * 700 for i in range(40)]  # about 1,230 estimated tokens each
    vectors = make_provider(fake).embed_documents(texts)
    assert len(fake.requests) > 1
    for request in fake.requests:
        estimate = sum(approximate_token_count(item["content"]) for item in request.body["instances"])
        assert estimate <= MAX_BATCH_TOKENS
    assert np.allclose(vectors, [expected(t) for t in texts], atol=1e-6)


def test_an_empty_list_makes_no_request(fake: FakeVertexServer) -> None:
    assert make_provider(fake).embed_documents([]) == []
    assert fake.requests == []


def test_a_vertex_error_becomes_an_upstream_error(fake: FakeVertexServer) -> None:
    fake.fail_next(400, message="Request contains an invalid argument.")
    with pytest.raises(UpstreamError) as caught:
        make_provider(fake).embed_documents(["x"])
    assert caught.value.status == 502
    assert caught.value.error_code == VERTEX_UPSTREAM_ERROR
    assert caught.value.details == {"status": 400}
    assert "invalid argument" in caught.value.message
    assert len(fake.requests) == 1  # a 400 is not retried


def test_a_transient_error_is_retried(fake: FakeVertexServer) -> None:
    fake.fail_next(503, times=2)
    vectors = make_provider(fake, retry_attempts=3).embed_documents(["retried"])
    assert len(fake.requests) == 3
    assert np.allclose(vectors, [expected("retried")], atol=1e-6)


def test_retries_give_up_after_the_configured_attempts(fake: FakeVertexServer) -> None:
    fake.fail_next(429, times=5)
    with pytest.raises(UpstreamError) as caught:
        make_provider(fake, retry_attempts=2).embed_documents(["x"])
    assert caught.value.details == {"status": 429}
    assert len(fake.requests) == 2


def test_bad_credentials_are_reported_as_such(fake: FakeVertexServer) -> None:
    from google.oauth2.credentials import Credentials

    with pytest.raises(UpstreamError) as caught:
        make_provider(fake, credentials=Credentials(token="wrong")).embed_documents(["x"])  # type: ignore[no-untyped-call]
    assert caught.value.details == {"status": 401}

    expired_without_refresh = Credentials(token=None)  # type: ignore[no-untyped-call]
    with pytest.raises(UpstreamError) as caught:
        make_provider(fake, credentials=expired_without_refresh).embed_documents(["x"])
    assert caught.value.error_code == VERTEX_AUTH_FAILED


def test_an_answer_with_missing_vectors_is_refused(fake: FakeVertexServer) -> None:
    fake.override = lambda path, body: (200, {"predictions": []})
    with pytest.raises(UpstreamError) as caught:
        make_provider(fake).embed_documents(["a", "b"])
    assert caught.value.error_code == VERTEX_BAD_RESPONSE


def test_an_answer_of_another_dimension_is_refused(fake: FakeVertexServer) -> None:
    fake.override = lambda path, body: (200, {"predictions": [{"embeddings": {"values": [0.1] * 256}}]})
    with pytest.raises(UpstreamError) as caught:
        make_provider(fake).embed_query("a")
    assert caught.value.error_code == VERTEX_BAD_RESPONSE


def test_an_unreachable_endpoint_is_an_upstream_error() -> None:
    with FakeVertexServer() as fake:
        provider = make_provider(fake, retry_attempts=1)
    with pytest.raises(UpstreamError) as caught:  # the server is stopped now
        provider.embed_query("x")
    assert caught.value.error_code == VERTEX_UPSTREAM_ERROR


def test_the_request_id_travels_with_the_call(fake: FakeVertexServer) -> None:
    token = request_id_var.set("req-embed-42")
    try:
        make_provider(fake).embed_query("traced")
    finally:
        request_id_var.reset(token)
    assert fake.requests[0].headers[REQUEST_ID_HEADER.lower()] == "req-embed-42"


def test_token_counts_are_estimated_offline_and_err_high(fake: FakeVertexServer) -> None:
    provider = make_provider(fake)
    assert provider.count_tokens("") == 0
    assert provider.count_tokens("   ") == 0
    prose = "Retrieval augmented generation grounds the answers of a language model in passages. " * 10
    assert provider.count_tokens(prose) >= len(prose) / 4
    short_words = "a b c d e f g h i j " * 20
    assert provider.count_tokens(short_words) >= len(short_words.split())
    assert fake.requests == []  # counting never calls Vertex


def test_the_factory_builds_and_caches_a_vertex_provider(fake: FakeVertexServer) -> None:
    credentials = fake.credentials()
    first = get_embedding_provider(
        "vertex", project=PROJECT, location=LOCATION, base_url=fake.url, credentials=credentials
    )
    again = get_embedding_provider(
        "vertex", project=PROJECT, location=LOCATION, base_url=fake.url, credentials=credentials
    )
    assert first is again
    assert isinstance(first, VertexEmbeddingProvider)
    assert len(first.embed_query("via the factory")) == 768
