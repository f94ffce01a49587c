"""The keyword side of search: chunks ranked by the weight of the query terms they match.

No term is required. Each concept of the query (:mod:`.query`: its words minus chatter, with related
words) adds to a chunk's score by how rare it is and where the chunk holds it:

    score = Σ over concepts  max over its terms  boost · idf(term) · ts_rank(W, tsv, term)

- ``idf`` is BM25's ``ln(1 + (N - df + 0.5) / (df + 0.5))`` over the chunks the filters allow; ``df`` is
  counted up to :data:`DF_PROBE` (a term matching more is simply common; counting every match of a
  word in half of 100,000 chunks would cost more than the whole search).
- ``ts_rank`` with the weights :data:`RANK_WEIGHTS` reads how often and in which part the chunk holds
  the term: the document's title (weight A in ``chunk.tsv``) counts most, then its headings (B),
  then body text (D), and repeats saturate.
- ``coverage`` is the share of the query's idf the chunk matches (a related word at its boost): what
  a caller's relevance floor can use, since one common word alone makes a keyword hit now.

**Candidates by rarity.** Only candidates are scored. Each term brings its own list, rarest term
first, out of a budget of :data:`CANDIDATE_BUDGET` shared in proportion to idf (each at least
:data:`MIN_TERM_CANDIDATES`): a rare term (``evalkit``) brings all its chunks, a common one
(``model``) brings a sample. The chunks matching every concept
come too (Postgres intersects the index lists). So a common word can never push the only chunk of a
rare one out before ranking, and the cost stays bounded however common the words are.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession

from portfolio_documents.models import Chunk as ChunkRow
from portfolio_documents.processing.index.query import Term, any_query, lexeme_query, parse

#: ``ts_rank`` weights for the tsvector's classes {D, C, B, A}: body, (unused), heading, title.
RANK_WEIGHTS = "{0.35, 0.35, 0.8, 1.0}"
#: Candidates the keyword side scores at most, over all terms.
CANDIDATE_BUDGET = 600
#: A term's candidate list holds at least this many (when it matches as many).
MIN_TERM_CANDIDATES = 60
#: Chunks holding every typed term that join the candidates (beside each term's own list).
ALL_TERMS_CANDIDATES = 200
#: Matches counted per term for its document frequency.
DF_PROBE = 100
#: Seconds the planner's lexeme statistics are reused (they change only with ``ANALYZE``).
STATISTICS_TTL_S = 60.0
#: Chunks counted exactly for N, the collection's size (beyond: the planner's estimate).
N_PROBE = 1000


@dataclass(frozen=True)
class KeywordMatch:
    """How one chunk matched: ``coverage`` in [0, 1]; whether a query term is in its document's
    title or its heading path."""

    coverage: float
    title_hit: bool
    heading_hit: bool


@dataclass
class KeywordRanking:
    """The keyword side's ranked ids (best first), their scores and how each matched."""

    ids: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    matches: dict[str, KeywordMatch] = field(default_factory=dict)


def idf(df: int, n: int) -> float:
    """BM25's inverse document frequency (always > 0)."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def term_caps(dfs: Sequence[int], idfs: Sequence[float], budget: int = CANDIDATE_BUDGET) -> list[int]:
    """Each term's candidate cap: rarest first, each takes its share of what is left of ``budget`` in
    proportion to its idf (at least :data:`MIN_TERM_CANDIDATES`), and never more than it matches, so
    the rest goes to the commoner terms."""
    caps = [0] * len(dfs)
    order = sorted(range(len(dfs)), key=lambda i: (dfs[i], i))
    left, weight_left = budget, sum(idfs)
    for i in order:
        share = left * idfs[i] / weight_left if weight_left > 0 else left
        caps[i] = min(dfs[i], max(MIN_TERM_CANDIDATES, math.ceil(share)))
        left = max(0, left - caps[i])
        weight_left -= idfs[i]
    return caps


def _tsquery(value: str) -> ColumnElement[str]:
    return cast(literal(value), TSQUERY)


def _matches(value: str) -> ColumnElement[bool]:
    return ChunkRow.tsv.op("@@")(_tsquery(value))


def _limited_count(conditions: Sequence[ColumnElement[bool]], limit: int) -> ColumnElement[int]:
    inner = select(literal(1)).select_from(ChunkRow).where(*conditions).limit(limit).subquery()
    return select(func.count()).select_from(inner).scalar_subquery()


_COMMON_LEXEMES = text(
    "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
    "WHERE schemaname = current_schema() AND tablename = 'chunk' AND attname = 'tsv'"
)
#: Per database: when the planner's commonest lexemes were read, and them with their row shares.
_common: dict[str, tuple[float, dict[str, float]]] = {}


async def common_lexemes(session: AsyncSession) -> dict[str, float]:
    """The commonest lexemes of ``chunk.tsv`` with the share of rows holding each, as the last
    ``ANALYZE`` saw them; read at most every :data:`STATISTICS_TTL_S` seconds (``pg_stats`` is a view
    that costs more to plan than the search itself)."""
    database = str(session.get_bind().engine.url.render_as_string(hide_password=True))
    cached = _common.get(database)
    if cached is not None and time.monotonic() - cached[0] < STATISTICS_TTL_S:
        return cached[1]
    row = (await session.execute(_COMMON_LEXEMES)).first()
    found = dict(zip(row[0] or [], (float(f) for f in row[1] or []), strict=False)) if row else {}
    _common[database] = (time.monotonic(), found)
    return found


async def term_frequencies(
    session: AsyncSession, terms: Sequence[Term], conditions: Sequence[ColumnElement[bool]]
) -> tuple[list[int], int]:
    """Each term's document frequency and N, in one query.

    A term's matches are counted up to :data:`DF_PROBE`; past that its frequency comes from the
    planner's statistics (``ANALYZE`` keeps the commonest lexemes of ``tsv`` with their share of
    rows), scaled to N, or stays :data:`DF_PROBE` when the statistics do not list it.
    """
    common = await common_lexemes(session)
    columns = [
        _limited_count(conditions, N_PROBE),
        literal_column("(SELECT reltuples::bigint FROM pg_class WHERE oid = 'chunk'::regclass)"),
    ]
    columns += [_limited_count([_matches(lexeme_query(t.lexeme)), *conditions], DF_PROBE) for t in terms]
    row = (await session.execute(select(*columns))).one()
    exact, estimated = int(row[0]), int(row[1] or 0)
    n = exact if exact < N_PROBE else max(exact, estimated)
    dfs = []
    for term, counted in zip(terms, row[2:], strict=True):
        frequency = common.get(term.lexeme)
        common_df = round(frequency * n) if counted >= DF_PROBE and frequency is not None else 0
        dfs.append(max(int(counted), common_df))
    return dfs, max(n, *dfs, 1)


def _candidates(
    terms: Sequence[Term], caps: Sequence[tuple[int, int]], conditions: Sequence[ColumnElement[bool]]
) -> CompoundSelect[Any]:
    """The candidates' ids and keyword vectors (read once here, so scoring needs no second lookup).

    A chunk in several lists comes once per list: removing the copies would sort every candidate
    with its vector, which costs more than scoring the copies (the caller keeps the first)."""
    parts: list[Any] = []  # Select[str, str] each
    for term, (_, cap) in zip(terms, caps, strict=True):
        if cap <= 0:
            continue
        # No "title or heading matches first" list: the index cannot tell weights apart, so finding
        # a common word's few title matches means reading most of its chunks (measured: p90 600 ms).
        query = _matches(lexeme_query(term.lexeme))
        parts.append(select(ChunkRow.id, ChunkRow.tsv).where(query, *conditions).limit(cap))
    typed = [t.lexeme for t in terms if not t.related]
    if len(typed) > 1:
        every = " & ".join(lexeme_query(lexeme) for lexeme in typed)
        parts.append(
            select(ChunkRow.id, ChunkRow.tsv).where(_matches(every), *conditions).limit(ALL_TERMS_CANDIDATES)
        )
    return union_all(*parts)


async def keyword_ranking(
    session: AsyncSession,
    query: str,
    n: int,
    conditions: Sequence[ColumnElement[bool]],
    *,
    subject: str | None = None,
    budget: int = CANDIDATE_BUDGET,
) -> KeywordRanking:
    """The ``n`` best chunks for ``query`` by the weight of the terms they match (module docstring);
    ``subject``: whom questions are about (:func:`.query.parse`)."""
    terms = await parse(session, query, subject)
    if not terms or n <= 0:
        return KeywordRanking()
    dfs, total = await term_frequencies(session, terms, conditions)
    weights = [idf(df, total) for df in dfs]
    # A concept weighs what its typed word weighs, found or not: a chunk matching "work" covers
    # half of "work google" when "google" is nowhere, not all of it.
    concept_idf = {t.concept: weights[i] for i, t in enumerate(terms) if not t.related}
    present = [i for i, df in enumerate(dfs) if df > 0]
    if not present:
        return KeywordRanking()
    terms = [terms[i] for i in present]
    dfs = [dfs[i] for i in present]
    weights = [weights[i] for i in present]
    caps = term_caps(dfs, weights, budget)
    lists = _candidates(terms, list(zip(dfs, caps, strict=True)), conditions)
    candidates = lists.subquery("candidates")
    tsv = candidates.c.tsv

    def matches(value: str) -> ColumnElement[bool]:
        matched: ColumnElement[bool] = tsv.op("@@")(_tsquery(value))
        return matched

    rank_weights: ColumnElement[Any] = literal_column(f"'{RANK_WEIGHTS}'::float4[]")
    by_concept: dict[int, list[int]] = {}
    for i, term in enumerate(terms):
        by_concept.setdefault(term.concept, []).append(i)
    scores, covered = [], []
    for concept, members in by_concept.items():
        ranks = [
            literal(terms[i].boost * weights[i])
            * func.ts_rank(rank_weights, tsv, _tsquery(lexeme_query(terms[i].lexeme)), 0)
            for i in members
        ]
        hits = [
            case((matches(lexeme_query(terms[i].lexeme)), literal(terms[i].boost)), else_=literal(0.0))
            for i in members
        ]
        scores.append(ranks[0] if len(ranks) == 1 else func.greatest(*ranks))
        covered.append(literal(concept_idf[concept]) * (hits[0] if len(hits) == 1 else func.greatest(*hits)))
    lexemes = [t.lexeme for t in terms]
    score = sum(scores[1:], scores[0]).label("score")
    coverage = (sum(covered[1:], covered[0]) / literal(sum(concept_idf.values()))).label("coverage")
    statement = (
        select(
            candidates.c.id,
            score,
            coverage,
            matches(any_query(lexemes, "A")).label("title_hit"),
            matches(any_query(lexemes, "B")).label("heading_hit"),
        )
        .order_by(score.desc(), candidates.c.id)
        .limit(n * len(lists.selects))
    )
    rows = list({row.id: row for row in reversed((await session.execute(statement)).all())}.values())
    rows = sorted(rows, key=lambda row: (-row.score, row.id))[:n]
    return KeywordRanking(
        ids=[row.id for row in rows],
        scores={row.id: float(row.score) for row in rows},
        matches={
            row.id: KeywordMatch(
                coverage=min(1.0, float(row.coverage)),
                title_hit=bool(row.title_hit),
                heading_hit=bool(row.heading_hit),
            )
            for row in rows
        },
    )
