"""The keyword side of search, on real Postgres: questions worded as visitors word them, terms weighed
by rarity and by where a chunk holds them (title, heading, text), candidates chosen per term, and a
query parser that turns any string into a valid ``tsquery`` or nothing.

The portfolio corpus below is written for these tests in the shape core indexes its content (one
Markdown document per profile, tech stack, journey entry and project; title, ``# heading``, text),
chunked by the real chunker. The hybrid tests run the real local embedder and Chroma.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from conftest import FreshAuth
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from portfolio_documents.processing.index.chunk import chunk_markdown
from portfolio_documents.processing.index.keyword import (
    MIN_TERM_CANDIDATES,
    KeywordRanking,
    keyword_ranking,
    term_caps,
)
from portfolio_documents.processing.index.query import (
    CHATTER,
    RELATED_BOOST,
    Lexicon,
    any_query,
    concepts,
    lexeme_query,
    lexemes,
    parse,
)
from portfolio_documents.processing.index.search import Hit, hybrid_search, postgres_filters
from portfolio_documents.processing.index.store import ChunkStore, DocumentRecord, open_chroma
from portfolio_shared.embeddings import get_embedding_provider
from portfolio_shared.sql import create_engine, session_factory

# -- the portfolio, as core would index it ---------------------------------------------------------

PORTFOLIO: dict[str, tuple[str, str, dict[str, Any]]] = {
    "profile": (
        "About Vasu Kapoor",
        "# Vasu Kapoor\n\nMachine learning engineer for retrieval and model evaluation\n\n"
        "Location: Bengaluru, India\n\nI take models out of notebooks and into production, and I "
        "measure them at p99 rather than on a laptop. Small services with tests beat clever monoliths.\n\n"
        "## Links\n\n- [GitHub](https://github.com/vasu-example)\n- [Blog](https://vasu.example.com)",
        {"kind": "profile"},
    ),
    "tech-stack": (
        "Tech stack",
        "# Tech stack\n\n## Languages\n\n- Python (proficiency 95/100)\n- SQL (proficiency 80/100)\n\n"
        "## ML & AI\n\n- PyTorch (proficiency 90/100)\n- scikit-learn (proficiency 85/100)\n\n"
        "## Infrastructure\n\n- Docker (proficiency 80/100)\n- Kubernetes (proficiency 65/100)",
        {"kind": "tech_stack"},
    ),
    "journey:lumen": (
        "Senior ML Engineer — Lumen Analytics",
        "# Senior ML Engineer — Lumen Analytics\n\nWork, April 2022 to present\n\nLeads the "
        "document-understanding platform. Shipped an assistant over two million internal documents and "
        "the offline evaluation harness that every model change goes through.",
        {"kind": "journey", "entry_kind": "work"},
    ),
    "journey:quillpath": (
        "Machine Learning Engineer — Quillpath",
        "# Machine Learning Engineer — Quillpath\n\nWork, July 2019 to March 2022\n\nRanking and "
        "recommendation for an online learning platform: feature pipelines and a two-tower model in PyTorch.",
        {"kind": "journey", "entry_kind": "work"},
    ),
    "journey:mtech": (
        "M.Tech, Computer Science — National Institute of Technology",
        "# M.Tech, Computer Science — National Institute of Technology\n\nEducation, August 2017 to "
        "June 2019\n\nThesis on the calibration of neural text classifiers under dataset shift.",
        {"kind": "journey", "entry_kind": "education"},
    ),
    "journey:release": (
        "Open-sourced an LLM evaluation toolkit",
        "# Open-sourced an LLM evaluation toolkit\n\nMilestone, February 2024\n\nReleased evalkit, a "
        "small library for reproducible LLM evaluations (see the project page).",
        {"kind": "journey", "entry_kind": "milestone"},
    ),
    "project:rag": (
        "Grounded RAG assistant",
        "# Grounded RAG assistant\n\nA chatbot that answers only from a private corpus and cites every "
        "sentence it uses.\n\nTechnologies: Python, PyTorch, PostgreSQL, FastAPI\n\n## Why\n\nGeneric "
        "chatbots answer confidently from nowhere; this one refuses what its sources do not say.\n\n"
        "## How it works\n\nDocuments are cut into passages of about 240 tokens and embedded; a query "
        "fuses dense vectors with Postgres full-text ranking.",
        {"kind": "project"},
    ),
    "project:evalkit": (
        "evalkit — reproducible LLM evaluation",
        "# evalkit — reproducible LLM evaluation\n\nA library that turns prompt and model changes into "
        "comparable, versioned scores.\n\nTechnologies: Python, scikit-learn\n\nIt runs a model over a "
        "frozen dataset snapshot, scores it with pluggable metrics and writes a report you can diff.",
        {"kind": "project"},
    ),
    "project:features": (
        "Feature store lite",
        "# Feature store lite\n\nPoint-in-time-correct training features from Postgres, served online "
        "with the same code.\n\nTechnologies: Python, SQL, PostgreSQL, Docker, Kubernetes\n\nEach "
        "feature is defined once as SQL over event tables and used for offline joins and online lookups.",
        {"kind": "project"},
    ),
    "paper:2401.00001": (
        "Scaling laws for retrieval-augmented language models",
        "# Scaling laws for retrieval-augmented language models\n\nWe study how the quality of a "
        "language model grows with the size of its retrieval corpus, and evaluate the model on question "
        "answering benchmarks where the language model alone fails.",
        {"kind": "paper"},
    ),
}


@pytest.fixture(scope="module")
def embedder() -> Any:
    return get_embedding_provider("local")


@pytest.fixture(scope="module")
def portfolio(chroma_url: str, sync_engine: Engine, embedder: Any) -> Iterator[tuple[ChunkStore, str]]:
    """The portfolio stored under keys ``<tag>/<name>`` (the tag scopes every search to it)."""
    client = open_chroma(chroma_url)
    store = ChunkStore(
        client, prefix=f"kw{uuid.uuid4().hex[:8]}", model_id=embedder.model_id, dimension=embedder.dimension
    )
    tag = uuid.uuid4().hex[:8]
    for name, (title, body, metadata) in PORTFOLIO.items():
        chunks = chunk_markdown(body, count_tokens=embedder.count_tokens, max_tokens=60)
        record = DocumentRecord(
            document_key=f"{tag}/{name}",
            title=title,
            source_type="text",
            content_sha256=uuid.uuid4().hex * 2,
            metadata={**metadata, "corpus": tag},
        )
        with Session(sync_engine) as session, session.begin():
            store.store(session, record, chunks, embedder.embed_documents([c.text for c in chunks]))
    yield store, tag
    with Session(sync_engine) as session, session.begin():
        session.execute(text("DELETE FROM document WHERE document_key LIKE :tag"), {"tag": f"{tag}/%"})
    client.delete_collection(store.name)


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(database_url)
    async with session_factory(engine)() as s:
        yield s
    await engine.dispose()


def _name(key: str) -> str:
    return key.split("/", 1)[1]


async def _keyword(session: AsyncSession, tag: str, query: str, **kwargs: Any) -> KeywordRanking:
    return await keyword_ranking(session, query, 10, postgres_filters({"corpus": tag}), **kwargs)


async def _keyword_names(session: AsyncSession, tag: str, query: str) -> list[str]:
    ranking = await _keyword(session, tag, query)
    keys = dict(
        (
            await session.execute(
                text("SELECT id, document_key FROM chunk WHERE id = ANY(:ids)"), {"ids": ranking.ids}
            )
        ).all()
    )
    return [_name(keys[i]) for i in ranking.ids]


#: Whom the questions are about, as core names the site's owner.
SUBJECT = "Vasu Kapoor"


async def _hybrid(
    session: AsyncSession, portfolio: tuple[ChunkStore, str], embedder: Any, query: str
) -> list[Hit]:
    store, tag = portfolio
    return await hybrid_search(session, store, embedder, query, k=5, filters={"corpus": tag}, subject=SUBJECT)


# -- visitors' questions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Tell me about evalkit", "project:evalkit"),
        ("Where did Vasu study?", "journey:mtech"),
        ("What is the project Grounded RAG assistant about, and what was it built with?", "project:rag"),
        ("what was his thesis on?", "journey:mtech"),
        ("What was his job at Quillpath?", "journey:quillpath"),
    ],
)
async def test_a_visitors_question_finds_its_passage_first(
    question: str,
    expected: str,
    portfolio: tuple[ChunkStore, str],
    embedder: Any,
    session: AsyncSession,
) -> None:
    hits = await _hybrid(session, portfolio, embedder, question)
    assert _name(hits[0].document_key) == expected, [
        (_name(h.document_key), h.keyword_rank, h.vector_rank) for h in hits
    ]
    assert hits[0].keyword_rank == 1  # the keyword side alone already puts it first
    assert hits[0].keyword_match is not None and hits[0].keyword_match.coverage > 0


async def test_technologies_lead_to_the_tech_stack(
    portfolio: tuple[ChunkStore, str], embedder: Any, session: AsyncSession
) -> None:
    """ "Technologies" is a typed word of every project's "Technologies:" line and of "Institute of
    Technology"; its related words name the stack, whose title outweighs both. (The vector side
    prefers the projects' lines, so the fused order is left to the caller's steering.)"""
    _, tag = portfolio
    assert (await _keyword_names(session, tag, "What technologies does he use?"))[0] == "tech-stack"
    hits = await _hybrid(session, portfolio, embedder, "What technologies does he use?")
    tech = [hit for hit in hits if _name(hit.document_key) == "tech-stack"]
    assert tech and min(hit.keyword_rank or 99 for hit in tech) <= 3  # its three chunks tie first
    assert tech[0].keyword_match is not None and tech[0].keyword_match.title_hit


async def test_the_subjects_name_counts_only_when_nothing_else_is_asked(
    portfolio: tuple[ChunkStore, str], session: AsyncSession
) -> None:
    _, tag = portfolio
    scope = postgres_filters({"corpus": tag})
    asked = await keyword_ranking(session, "Where did Vasu study?", 10, scope, subject=SUBJECT)
    about = await keyword_ranking(session, "Who is Vasu?", 10, scope, subject=SUBJECT)
    unnamed = await keyword_ranking(session, "Where did Vasu study?", 10, scope)
    keys = dict(
        (
            await session.execute(
                text("SELECT id, document_key FROM chunk WHERE id = ANY(:ids)"),
                {"ids": asked.ids + about.ids + unnamed.ids},
            )
        ).all()
    )
    assert _name(keys[asked.ids[0]]) == "journey:mtech"
    assert "profile" not in {_name(keys[i]) for i in asked.ids}
    assert _name(keys[about.ids[0]]) == "profile"
    # Without a subject the name is a rare word like any other, and only the profile holds it.
    assert "profile" in {_name(keys[i]) for i in unnamed.ids}


async def test_no_term_is_required(portfolio: tuple[ChunkStore, str], session: AsyncSession) -> None:
    _, tag = portfolio
    # "tell" and "know" are chatter; "quillpath" alone decides, and a word found nowhere costs nothing.
    assert (await _keyword_names(session, tag, "Tell me what you know about Quillpath zyxwvut"))[0] == (
        "journey:quillpath"
    )
    # Only chatter and stopwords: no keyword search at all (the vector side still answers).
    assert (await _keyword(session, tag, "Can you tell me what he does?")).ids == []


async def test_coverage_counts_every_typed_word(
    portfolio: tuple[ChunkStore, str], session: AsyncSession
) -> None:
    _, tag = portfolio
    ranking = await _keyword(session, tag, "Did he work at Google?")
    # "work" matches journey entries, "google" nothing: half the query at best, never all of it.
    assert ranking.ids
    assert all(match.coverage < 0.6 for match in ranking.matches.values())
    full = await _keyword(session, tag, "evalkit library")
    assert full.matches[full.ids[0]].coverage == pytest.approx(1.0)


async def test_a_title_outweighs_the_same_word_in_text(
    portfolio: tuple[ChunkStore, str], session: AsyncSession
) -> None:
    _, tag = portfolio
    # "evalkit" is in the project's title and in the milestone's text only.
    ranking = await _keyword(session, tag, "evalkit")
    names = await _keyword_names(session, tag, "evalkit")
    assert names[0] == "project:evalkit" and "journey:release" in names
    first = ranking.matches[ranking.ids[0]]
    assert first.title_hit
    milestone = ranking.ids[names.index("journey:release")]
    assert not ranking.matches[milestone].title_hit and not ranking.matches[milestone].heading_hit
    # A heading ("## How it works") outweighs the body text of the same document.
    names = await _keyword_names(session, tag, "how it works")
    assert names[0] == "project:rag"
    ranking = await _keyword(session, tag, "works")
    assert ranking.matches[ranking.ids[0]].heading_hit


# -- candidates by rarity --------------------------------------------------------------------------


def test_term_caps_give_rare_terms_all_their_chunks() -> None:
    # evalkit: 1 chunk; model: 50,000; language: 20,000.
    dfs, idfs = [50_000, 1, 20_000], [0.7, 11.0, 1.6]
    caps = term_caps(dfs, idfs, budget=1000)
    assert caps[1] == 1
    assert caps[2] > caps[0] >= MIN_TERM_CANDIDATES
    assert sum(caps) <= 1000 + MIN_TERM_CANDIDATES
    # A term never asks for more than it matches.
    assert term_caps([3, 5], [5.0, 4.0], budget=1000) == [3, 5]


@pytest.fixture(scope="module")
def crowded(sync_engine: Engine) -> Iterator[str]:
    """600 chunks saying "model", then the only one saying "zorblax" (stored last, so no scan that
    stops early on "model" reaches it)."""
    from portfolio_documents.processing.types import Chunk

    tag = uuid.uuid4().hex[:8]
    store = ChunkStore(None, prefix="unused", model_id="m", dimension=1)
    texts = [f"The model number {i} improves the baseline model on benchmark {i}." for i in range(600)]
    texts.append("Zorblax is a library for reproducible evaluations.")
    chunks = [Chunk(t, i, [], None, None, 0, len(t)) for i, t in enumerate(texts)]
    record = DocumentRecord(
        document_key=f"crowded/{tag}",
        title="Benchmarks",
        source_type="text",
        content_sha256="d" * 64,
        metadata={"corpus": tag},
    )
    with Session(sync_engine) as session, session.begin():
        store.replace_rows(session, record, chunks)
    yield tag
    with Session(sync_engine) as session, session.begin():
        store.delete_rows(session, record.document_key)


async def test_a_common_word_cannot_push_the_rare_words_chunk_out(
    crowded: str, session: AsyncSession
) -> None:
    # The budget (200) is far below the 600 chunks "model" matches: the rare word still brings its own.
    ranking = await _keyword(session, crowded, "Tell me about the zorblax model", budget=200)
    text_of = dict(
        (
            await session.execute(
                text("SELECT id, text FROM chunk WHERE id = ANY(:ids)"), {"ids": ranking.ids}
            )
        ).all()
    )
    assert text_of[ranking.ids[0]].startswith("Zorblax")
    assert len(ranking.ids) == 10  # and the common word still fills the rest


# -- the query parser ------------------------------------------------------------------------------


def test_chatter_and_related_words() -> None:
    known = Lexicon(chatter=frozenset({"tell", "know"}), related={"studi": ("educ", "degre")})
    terms = concepts(["tell", "vasu", "studi", "know", "vasu", "educ"], known)
    assert [(t.lexeme, t.concept, t.boost) for t in terms] == [
        ("vasu", 0, 1.0),
        ("studi", 1, 1.0),
        ("educ", 2, 1.0),  # typed, so it is its own concept, not studi's related word
        ("degre", 1, RELATED_BOOST),
    ]
    assert {"tell", "know", "use", "built", "does", "made"} <= CHATTER


async def test_parse_stems_like_the_index(session: AsyncSession) -> None:
    terms = await parse(session, "Tell me about evalkit! What is it built with, and who uses it?")
    assert [t.lexeme for t in terms] == ["evalkit"]
    assert [t.lexeme for t in await parse(session, "Where did Vasu study?") if not t.related] == [
        "vasu",
        "studi",
    ]
    assert await parse(session, "what does he know? tell me") == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=300) | st.from_regex(r"[\w'\"\\:&|!()<>*\- ]{0,60}", fullmatch=True))
async def test_any_string_parses_to_a_valid_tsquery_or_nothing(query: str, session: AsyncSession) -> None:
    query = query.replace("\x00", "")  # the API strips control characters before search sees them
    terms = await parse(session, query)
    if not terms:
        return
    tsquery = any_query([t.lexeme for t in terms])
    matched = await session.execute(
        text("SELECT to_tsvector('english', :q) @@ CAST(:tsq AS tsquery), CAST(:tsq AS tsquery)::text"),
        {"q": query, "tsq": tsquery},
    )
    found, normalised = matched.one()
    assert found  # every term comes from the query's own lexemes
    assert normalised


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lexeme=st.text(min_size=1, max_size=40).filter(lambda s: "\x00" not in s and s.strip()))
async def test_a_quoted_lexeme_is_one_operand(lexeme: str, session: AsyncSession) -> None:
    # Whatever it holds (quotes, backslashes, operators), the literal is a valid tsquery of itself.
    for value in (lexeme_query(lexeme), lexeme_query(lexeme, "AB")):
        result = await session.execute(text("SELECT numnode(CAST(:q AS tsquery))"), {"q": value})
        assert result.scalar_one() in (0, 1)


async def test_lexemes_keep_query_order(session: AsyncSession) -> None:
    assert await lexemes(session, "zebras before apples") == ["zebra", "appl"]


# -- through the API -------------------------------------------------------------------------------


async def test_search_reports_how_the_keyword_side_matched(
    portfolio: tuple[ChunkStore, str], client: httpx.AsyncClient
) -> None:
    _, tag = portfolio
    body = {"query": "Where did Vasu study?", "k": 3, "filters": {"corpus": tag}, "subject": SUBJECT}
    response = await client.post("/search", json=body, headers=FreshAuth())
    assert response.status_code == 200, response.text
    first = response.json()["results"][0]
    assert _name(first["document_key"]) == "journey:mtech"
    scores = first["scores"]
    assert scores["keyword_rank"] == 1
    assert 0 < scores["keyword_coverage"] <= 1
    assert scores["heading_hit"] is True  # "Institute" is in its heading, a related word of "study"
    # The subject is optional and only ever text.
    assert (
        await client.post("/search", json={**body, "subject": ""}, headers=FreshAuth())
    ).status_code == 422


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(min_size=1, max_size=200), subject=st.none() | st.text(min_size=1, max_size=40))
async def test_any_query_is_answered_or_refused_with_a_4xx(
    query: str, subject: str | None, client: httpx.AsyncClient
) -> None:
    body: dict[str, Any] = {"query": query, "k": 3}
    if subject is not None:
        body["subject"] = subject
    response = await client.post("/search", json=body, headers=FreshAuth())
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.json()["error"]["code"]


async def test_the_openapi_schema_documents_the_keyword_features(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    scores = schemas["SearchScores"]
    assert {"keyword_coverage", "title_hit", "heading_hit"} <= set(scores["properties"])
    assert "keyword_coverage" in scores["description"]
    assert "subject" in schemas["SearchRequest"]["properties"]


async def test_on_a_tie_the_keyword_order_decides(
    portfolio: tuple[ChunkStore, str], embedder: Any, session: AsyncSession
) -> None:
    hits = await _hybrid(session, portfolio, embedder, "Tell me about evalkit")
    tied = [hit for hit in hits if hit.score == pytest.approx(hits[0].score)]
    assert _name(hits[0].document_key) == "project:evalkit"
    assert hits[0].keyword_rank == min(hit.keyword_rank or 99 for hit in tied)
