"""Hybrid search against real Chroma and Postgres: reciprocal rank fusion, the keyword side finding an
exact rare word, filters applied to both sides, and winners read from Postgres. Vectors come from the
hashing embedder; search by meaning with the real model is tested end to end (test_documents_e2e)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from documents_fakes import HashingEmbedder
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from portfolio_documents.processing.index.keyword import keyword_ranking
from portfolio_documents.processing.index.search import (
    InvalidFilter,
    check_filters,
    chroma_where,
    hybrid_search,
    postgres_filters,
    reciprocal_rank_fusion,
)
from portfolio_documents.processing.index.store import ChunkStore, DocumentRecord, open_chroma
from portfolio_documents.processing.types import Chunk
from portfolio_shared.sql import create_engine, session_factory

EMBEDDER = HashingEmbedder()


def test_rrf_rewards_agreement_and_rank() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "a", "d"]])
    scores = dict(fused)
    assert [item for item, _ in fused][:2] == ["a", "c"]
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert scores["d"] == pytest.approx(1 / 63)
    assert reciprocal_rank_fusion([]) == []


def test_filters_are_checked_and_translated() -> None:
    assert chroma_where({}) is None
    assert chroma_where({"document_key": "k"}) == {"document_key": {"$eq": "k"}}
    assert chroma_where({"source_type": ["pdf", "text"], "year": 2024}) == {
        "$and": [{"source_type": {"$in": ["pdf", "text"]}}, {"year": {"$eq": 2024}}]
    }
    for bad in ({"$or": "x"}, {"a b": 1}, {"tags": []}):
        with pytest.raises(InvalidFilter):
            check_filters(bad)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def corpus(chroma_url: str, sync_engine: Engine) -> Iterator[tuple[ChunkStore, dict[str, str]]]:
    client = open_chroma(chroma_url)
    prefix = f"q{uuid.uuid4().hex[:8]}"
    store = ChunkStore(client, prefix=prefix, model_id=EMBEDDER.model_id, dimension=EMBEDDER.dimension)
    tag = uuid.uuid4().hex[:6]
    documents = {
        "paper": (
            f"paper:{tag}",
            "pdf",
            {"arxiv_id": "2401.12345"},
            [
                "Transformers use attention to mix information across tokens.",
                "We evaluate the zorbification regulariser on three benchmarks.",
                "Results improve over the baseline by four points.",
            ],
        ),
        "project": (
            f"project:{tag}",
            "text",
            {},
            [
                "A React dashboard shows live visitors over Socket.IO.",
                "The backend is Django with a Postgres database.",
            ],
        ),
    }
    keys = {}
    for name, (key, source_type, metadata, texts) in documents.items():
        chunks = [
            Chunk(t, i, [name.title()], i + 1 if source_type == "pdf" else None, None, 0, len(t))
            for i, t in enumerate(texts)
        ]
        record = DocumentRecord(
            document_key=key,
            title=name.title(),
            source_type=source_type,
            content_sha256=uuid.uuid4().hex * 2,
            metadata=metadata,
        )
        with Session(sync_engine) as session, session.begin():
            store.store(session, record, chunks, EMBEDDER.embed_documents(texts))
        keys[name] = key
    yield store, keys
    client.delete_collection(store.name)


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(database_url)
    async with session_factory(engine)() as s:
        yield s
    await engine.dispose()


async def test_rare_keyword_ranks_its_chunk_first(
    corpus: tuple[ChunkStore, dict[str, str]], session: AsyncSession
) -> None:
    store, keys = corpus
    hits = await hybrid_search(session, store, EMBEDDER, "zorbification", k=3)
    assert hits[0].text.startswith("We evaluate the zorbification")
    assert hits[0].keyword_rank == 1
    assert hits[0].document_key == keys["paper"]
    assert hits[0].metadata["arxiv_id"] == "2401.12345"
    assert hits[0].page_start == 2
    assert hits[0].heading_path == ["Paper"]
    # Found by both sides, so its fused score beats any single-side hit.
    assert hits[0].vector_rank is not None
    assert all(hits[0].score > hit.score for hit in hits[1:])


async def test_filters_apply_to_both_sides(
    corpus: tuple[ChunkStore, dict[str, str]], session: AsyncSession
) -> None:
    store, keys = corpus
    only_project = await hybrid_search(
        session, store, EMBEDDER, "zorbification dashboard", k=5, filters={"document_key": keys["project"]}
    )
    assert only_project and {hit.document_key for hit in only_project} == {keys["project"]}
    by_arxiv = await hybrid_search(
        session, store, EMBEDDER, "benchmarks", k=5, filters={"arxiv_id": "2401.12345"}
    )
    assert by_arxiv and {hit.document_key for hit in by_arxiv} == {keys["paper"]}
    either = await hybrid_search(
        session, store, EMBEDDER, "database", k=10, filters={"source_type": ["text", "pdf"]}
    )
    assert {hit.document_key for hit in either} <= set(keys.values())
    nothing = await hybrid_search(
        session, store, EMBEDDER, "database", k=5, filters={"arxiv_id": "9999.99999"}
    )
    assert nothing == []


async def test_a_vector_without_its_row_is_never_returned(
    corpus: tuple[ChunkStore, dict[str, str]], session: AsyncSession
) -> None:
    store, _ = corpus
    stray = f"stray:{uuid.uuid4().hex}"
    text = "Zorbification stray vector without a Postgres row."
    chunk = Chunk(text, 0, [], None, None, 0, len(text))
    record = DocumentRecord(document_key=stray, title="Stray", source_type="text", content_sha256="0" * 64)
    store.replace_vectors(record, [chunk], EMBEDDER.embed_documents([text]))
    try:
        hits = await hybrid_search(session, store, EMBEDDER, "zorbification stray vector", k=5)
        assert stray not in {hit.document_key for hit in hits}
    finally:
        store.delete_vectors(stray)


async def test_the_keyword_side_needs_no_term_in_particular(
    corpus: tuple[ChunkStore, dict[str, str]], session: AsyncSession
) -> None:
    _, keys = corpus
    scope = postgres_filters({"document_key": keys["paper"]})
    # Each chunk holds one of the three words: each is found, none needs the other two.
    ranking = await keyword_ranking(session, "benchmarks baseline transformers", 10, scope)
    assert len(ranking.ids) == 3
    assert len((await keyword_ranking(session, "benchmarks baseline transformers", 2, scope)).ids) == 2
