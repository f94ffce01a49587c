"""The chunk store against the real Chroma server and Postgres: deterministic ids, one collection per
model, replacement by document key without orphans, deletion everywhere. Vectors come from the
tiny hashing embedder (the store does not care which model made them)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from documents_fakes import HashingEmbedder
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from portfolio_documents.models import Chunk as ChunkRow
from portfolio_documents.models import Document
from portfolio_documents.processing.index.fingerprint import chunk_id, content_sha256, normalise_text
from portfolio_documents.processing.index.store import (
    ChunkStore,
    DocumentRecord,
    collection_name,
    document_id_for,
    open_chroma,
)
from portfolio_documents.processing.types import Chunk


def make_chunks(texts: list[str], heading: str = "Intro") -> list[Chunk]:
    chunks, offset = [], 0
    for index, body in enumerate(texts):
        chunks.append(Chunk(body, index, [heading], index + 1, index + 1, offset, offset + len(body)))
        offset += len(body) + 1
    return chunks


def record(key: str, texts: list[str], **extra: object) -> DocumentRecord:
    return DocumentRecord(
        document_key=key,
        title=f"Title of {key}",
        source_type="text",
        content_sha256=content_sha256(texts),
        characters=sum(map(len, texts)),
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def store(chroma_url: str) -> Iterator[ChunkStore]:
    client = open_chroma(chroma_url)
    prefix = f"s{uuid.uuid4().hex[:8]}"
    embedder = HashingEmbedder()
    yield ChunkStore(client, prefix=prefix, model_id=embedder.model_id, dimension=embedder.dimension)
    for collection in client.list_collections():
        name = collection if isinstance(collection, str) else collection.name
        if name.startswith(prefix):
            client.delete_collection(name)


def write(store: ChunkStore, engine: Engine, doc: DocumentRecord, chunks: list[Chunk]) -> uuid.UUID:
    embeddings = HashingEmbedder().embed_documents([c.text for c in chunks])
    with Session(engine) as session, session.begin():
        return store.store(session, doc, chunks, embeddings)


def rows(engine: Engine, key: str) -> list[ChunkRow]:
    with Session(engine) as session:
        return list(
            session.execute(
                select(ChunkRow).where(ChunkRow.document_key == key).order_by(ChunkRow.chunk_index)
            )
            .scalars()
            .all()
        )


def test_fingerprint_normalises_unicode_and_whitespace() -> None:
    assert normalise_text("  ﬁne\u00a0 text\n\n  here ") == "fine text here"
    assert content_sha256("fine text here") == content_sha256(["ﬁne  text", "here"])
    assert content_sha256("fine text here") != content_sha256("fine text there")
    assert chunk_id("a1", 2, "m") != chunk_id("a", 12, "m")
    assert chunk_id("a", 1, "m") == chunk_id("a", 1, "m") != chunk_id("a", 1, "other-model")


def test_collection_names_are_valid_for_chroma() -> None:
    assert collection_name("chunks", "all-MiniLM-L6-v2") == "chunks-all-minilm-l6-v2"
    assert collection_name("chunks", "text-embedding-005@vertex/ai") == "chunks-text-embedding-005-vertex-ai"
    long = collection_name("chunks", "x" * 600)
    assert len(long) == 512
    assert collection_name("c", "") == "c-model"


def test_store_writes_both_sides_with_deterministic_ids(store: ChunkStore, sync_engine: Engine) -> None:
    key = f"project:{uuid.uuid4().hex}"
    chunks = make_chunks(["alpha beta gamma", "delta epsilon", "zeta eta theta"])
    doc = record(key, [c.text for c in chunks], metadata={"arxiv_id": "2401.00001", "year": 2024})
    document_id = write(store, sync_engine, doc, chunks)

    assert document_id == document_id_for(key)
    stored = store.collection.get(where={"document_key": key}, include=["metadatas", "documents"])
    assert sorted(stored["ids"]) == sorted(chunk_id(key, i, store.model_id) for i in range(3))
    metadata = dict(zip(stored["ids"], stored["metadatas"], strict=True))[chunk_id(key, 1, store.model_id)]
    assert metadata["document_id"] == str(document_id)
    assert metadata["arxiv_id"] == "2401.00001"
    assert metadata["page_start"] == 2
    assert metadata["heading"] == "Intro"
    assert store.collection.metadata["embedding_model"] == store.model_id
    assert store.collection.metadata["dimension"] == 64

    stored_rows = rows(sync_engine, key)
    assert [r.id for r in stored_rows] == [chunk_id(key, i, store.model_id) for i in range(3)]
    assert stored_rows[0].heading_path == ["Intro"]
    assert stored_rows[2].meta["year"] == 2024
    with Session(sync_engine) as session:
        document = session.execute(select(Document).where(Document.document_key == key)).scalar_one()
        assert (document.chunks, document.embedding_model) == (3, store.model_id)
        # The generated keyword index holds both the heading (weight A) and the body (weight B).
        tsv = session.execute(select(ChunkRow.tsv).where(ChunkRow.id == stored_rows[0].id)).scalar_one()
        assert "'intro':" in tsv and "'alpha':" in tsv and "A" in tsv


def test_same_key_replaces_and_leaves_no_orphans(store: ChunkStore, sync_engine: Engine) -> None:
    key = f"project:{uuid.uuid4().hex}"
    other = f"project:{uuid.uuid4().hex}"
    write(store, sync_engine, record(other, ["bystander"]), make_chunks(["bystander text"]))
    first = make_chunks([f"old chunk {i}" for i in range(5)])
    first_id = write(store, sync_engine, record(key, [c.text for c in first]), first)
    assert store.count_vectors(key) == 5

    second = make_chunks(["new chunk one", "new chunk two"], heading="Changed")
    second_id = write(store, sync_engine, record(key, [c.text for c in second]), second)

    assert second_id == first_id
    assert store.count_vectors(key) == 2
    assert sorted(store.collection.get(where={"document_key": key})["ids"]) == sorted(store.ids(key, 2))
    assert [r.text for r in rows(sync_engine, key)] == ["new chunk one", "new chunk two"]
    # The other document is untouched, and nothing else is left in the collection.
    assert store.count_vectors(other) == 1
    assert store.count_vectors() == 3
    with Session(sync_engine) as session:
        assert (
            session.execute(
                select(func.count()).select_from(Document).where(Document.document_key == key)
            ).scalar_one()
            == 1
        )


def test_delete_document_removes_everything(store: ChunkStore, sync_engine: Engine) -> None:
    key = f"paper:{uuid.uuid4().hex}"
    chunks = make_chunks(["one", "two", "three"])
    write(store, sync_engine, record(key, [c.text for c in chunks]), chunks)
    with Session(sync_engine) as session, session.begin():
        assert store.delete_document(session, key) is True
    assert store.count_vectors(key) == 0
    assert rows(sync_engine, key) == []
    with Session(sync_engine) as session, session.begin():
        assert store.delete_document(session, key) is False


def test_deleting_the_document_row_cascades_to_its_chunks(store: ChunkStore, sync_engine: Engine) -> None:
    key = f"paper:{uuid.uuid4().hex}"
    chunks = make_chunks(["one", "two"])
    write(store, sync_engine, record(key, ["one", "two"]), chunks)
    with Session(sync_engine) as session, session.begin():
        session.execute(text("DELETE FROM document WHERE document_key = :k"), {"k": key})
    assert rows(sync_engine, key) == []


def test_mismatched_embeddings_are_refused(store: ChunkStore) -> None:
    chunks = make_chunks(["one", "two"])
    with pytest.raises(ValueError, match="2 chunks but 1 embeddings"):
        store.replace_vectors(record("k", ["one"]), chunks, [[0.0] * 64])
    with pytest.raises(ValueError, match="dimension 3"):
        store.replace_vectors(record("k", ["one"]), chunks[:1], [[0.0, 1.0, 0.0]])
