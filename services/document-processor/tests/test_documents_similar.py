"""``POST /similar`` against a real Chroma: neighbours by the document's own stored vectors, one entry
per document, itself excluded, filters applied, and a clear 404/422 at the API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from conftest import FreshAuth
from documents_fakes import HashingEmbedder
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from portfolio_documents.processing.index.similar import DocumentNotIndexed, similar_documents
from portfolio_documents.processing.index.store import ChunkStore, DocumentRecord, open_chroma
from portfolio_documents.processing.types import Chunk

EMBEDDER = HashingEmbedder()
AUTH = FreshAuth("core")

TEXTS = {
    "attention": [
        "Sparse attention kernels for long context transformers.",
        "Attention sparsity and memory.",
    ],
    "attention2": ["Long context transformers with sparse attention kernels and memory."],
    "robots": ["Robot manipulation with tactile grasping policies."],
    "project": ["Sparse attention kernels for long context transformers, a side project."],
}


@pytest.fixture(scope="module")
def store(chroma_url: str, sync_engine: Engine) -> Iterator[tuple[ChunkStore, dict[str, str]]]:
    client = open_chroma(chroma_url)
    store = ChunkStore(
        client, prefix=f"s{uuid.uuid4().hex[:8]}", model_id=EMBEDDER.model_id, dimension=EMBEDDER.dimension
    )
    tag = uuid.uuid4().hex[:6]
    keys: dict[str, str] = {}
    for name, texts in TEXTS.items():
        kind = "project" if name == "project" else "paper"
        key = f"{kind}-text:{name}-{tag}"
        chunks = [Chunk(t, i, [], None, None, 0, len(t)) for i, t in enumerate(texts)]
        record = DocumentRecord(
            document_key=key,
            title=name.title(),
            source_type="text",
            content_sha256=uuid.uuid4().hex * 2,
            source_url=f"https://site.example/{name}",
            metadata={"kind": kind},
        )
        with Session(sync_engine) as session, session.begin():
            store.store(session, record, chunks, EMBEDDER.embed_documents(texts))
        keys[name] = key
    yield store, keys
    client.delete_collection(store.name)


def test_neighbours_are_documents_nearest_first_without_itself(
    store: tuple[ChunkStore, dict[str, str]],
) -> None:
    chunks, keys = store
    found = similar_documents(chunks, keys["attention"], k=5)
    found_keys = [n.document_key for n in found]
    assert keys["attention"] not in found_keys
    assert len(found_keys) == len(set(found_keys)) == 3  # one entry per document, each chunk's best
    assert found_keys[-1] == keys["robots"]  # the unrelated paper is the farthest
    assert [n.score for n in found] == sorted((n.score for n in found), reverse=True)
    nearest = found[0]
    assert nearest.title is not None and nearest.source_url is not None
    assert "chunk_index" not in nearest.metadata and nearest.metadata["kind"] in ("paper", "project")


def test_filters_restrict_the_neighbours(store: tuple[ChunkStore, dict[str, str]]) -> None:
    chunks, keys = store
    papers = similar_documents(chunks, keys["attention"], k=5, filters={"kind": "paper"})
    assert [n.document_key for n in papers] == [keys["attention2"], keys["robots"]]
    assert [n.document_key for n in similar_documents(chunks, keys["attention"], k=1)] != [keys["robots"]]


def test_a_document_without_vectors_is_not_found(store: tuple[ChunkStore, dict[str, str]]) -> None:
    chunks, _ = store
    with pytest.raises(DocumentNotIndexed):
        similar_documents(chunks, f"paper-text:{uuid.uuid4().hex}")


async def test_api_answers_404_and_422_in_the_envelope(client: httpx.AsyncClient) -> None:
    missing = await client.post(
        "/similar", json={"document_key": f"nothing:{uuid.uuid4().hex}"}, headers=AUTH
    )
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "document_not_found")
    bad_k = await client.post("/similar", json={"document_key": "x", "k": 0}, headers=AUTH)
    assert bad_k.status_code == 422 and "error" in bad_k.json()
    bad_filter = await client.post(
        "/similar", json={"document_key": "x", "filters": {"$or": "y"}}, headers=AUTH
    )
    assert bad_filter.status_code == 422 and "error" in bad_filter.json()
    unauthenticated = await client.post("/similar", json={"document_key": "x"})
    assert unauthenticated.status_code == 401


def test_too_few_after_filtering_falls_back_to_a_filtered_query(
    store: tuple[ChunkStore, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from portfolio_documents.processing.index import similar

    chunks, keys = store
    monkeypatch.setattr(similar, "UNFILTERED_CANDIDATES", 1)
    monkeypatch.setattr(similar, "OVERFETCH", 1)
    # Two chunks of itself and the project come first unfiltered; the filtered query finds the papers.
    papers = similar_documents(chunks, keys["attention"], k=2, filters={"kind": "paper"})
    assert [n.document_key for n in papers] == [keys["attention2"], keys["robots"]]
