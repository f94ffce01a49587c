"""Reads of the papers app: the public list (filters, full-text search, orderings), detail and feed.

Hidden papers are never returned; pinned papers always come first.

Search: Postgres full text (``websearch_to_tsquery`` on the stored, weighted ``search_vector``,
ranked by ``ts_rank_cd`` with a title match worth five abstract matches). When that finds
nothing, a trigram fallback matches the query against titles by ``word_similarity`` (GIN trigram
index), so a one-typo query ("transfromer") still finds "Transformer" papers. The fallback sets
its threshold with ``SET LOCAL``: run :func:`paper_list` and evaluate its queryset inside
``transaction.atomic()`` whenever ``search`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection
from django.db.models import F, OrderBy, QuerySet
from django.utils import timezone

from papers.models import SEARCH_CONFIG, Paper
from portfolio_shared.errors import NotFound
from portfolio_shared.schemas import parse_arxiv_id

#: ``ordering=`` values and the sort they stand for (after ``pinned``, before the id tie-break).
ORDERINGS: dict[str, OrderBy] = {
    "-relevance": F("relevance").desc(),
    "-published": F("published").desc(nulls_last=True),
    "-upvotes": F("hf_upvotes").desc(nulls_last=True),
}
DEFAULT_ORDERING = "-relevance"
#: ts_rank_cd weights for D, C (authors), B (abstract), A (title).
RANK_WEIGHTS = [0.05, 0.1, 0.2, 1.0]
#: word_similarity at or above which a title matches in the fallback. Measured on one-letter typos
#: (deletion, insertion, substitution, transposition) of 26 common ML terms: 0.4 keeps 98 % of them
#: ("transfromer" vs "Transformer": 0.5, "retreival" vs "retrieval": 0.43), while unrelated terms
#: score 0.31 at the 99th percentile; results are ordered by similarity, so the rare near-miss ranks last.
TRIGRAM_THRESHOLD = 0.4
FEED_DAYS = 7
FEED_SIZE = 50


@dataclass(frozen=True)
class PaperFilters:
    search: str = ""
    topic: str | None = None
    category: str | None = None
    tag: str | None = None
    source: str | None = None
    published_after: date | None = None
    #: Exclusive: ``published_after=D&published_before=D+1`` is the UTC day D.
    published_before: date | None = None
    has_code: bool | None = None
    #: One of :data:`ORDERINGS`; None: search rank when searching, else ``-relevance``.
    ordering: str | None = None


def visible_papers() -> QuerySet[Paper]:
    """Every paper the public may see (not hidden), without the search vector."""
    return Paper.objects.filter(hidden=False).defer("search_vector")


def _filtered(filters: PaperFilters) -> QuerySet[Paper]:
    papers = visible_papers()
    for field, value in (
        ("topics", filters.topic),
        ("categories", filters.category),
        ("tags", filters.tag),
        ("sources", filters.source),
    ):
        if value:
            papers = papers.filter(**{f"{field}__contains": [value]})
    if filters.published_after is not None:
        start = datetime.combine(filters.published_after, datetime.min.time(), tzinfo=UTC)
        papers = papers.filter(published__gte=start)
    if filters.published_before is not None:
        end = datetime.combine(filters.published_before, datetime.min.time(), tzinfo=UTC)
        papers = papers.filter(published__lt=end)
    if filters.has_code is not None:
        papers = papers.filter(github_repo__isnull=not filters.has_code)
    return papers


def _order(papers: QuerySet[Paper], ordering: str | None, *first: OrderBy) -> QuerySet[Paper]:
    by = [ORDERINGS[ordering]] if ordering else [*first, ORDERINGS[DEFAULT_ORDERING]]
    return papers.order_by(F("pinned").desc(), *by, F("id").desc())


def paper_list(filters: PaperFilters) -> QuerySet[Paper]:
    """The public list for ``filters``; inside ``transaction.atomic()`` when searching (see above)."""
    papers = _filtered(filters)
    search = filters.search.strip()
    if not search:
        return _order(papers, filters.ordering)
    query = SearchQuery(search, search_type="websearch", config=SEARCH_CONFIG)
    matches = papers.filter(search_vector=query)
    if matches.exists():
        rank = SearchRank(F("search_vector"), query, weights=RANK_WEIGHTS, cover_density=True)
        return _order(matches.annotate(rank=rank), filters.ordering, F("rank").desc())
    _set_trigram_threshold()
    similar = papers.filter(title__trigram_word_similar=search).annotate(
        similarity=TrigramWordSimilarity(search, "title")
    )
    return _order(similar, filters.ordering, F("similarity").desc())


def _set_trigram_threshold() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("the trigram fallback must run inside transaction.atomic() (SET LOCAL)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(TRIGRAM_THRESHOLD)]
        )


def visible_paper(raw_id: str) -> Paper:
    """The visible paper ``raw_id`` names (either id style, an optional ``vN`` ignored); else NotFound."""
    try:
        arxiv_id, _version = parse_arxiv_id(raw_id)
    except ValueError:
        raise NotFound(f"{raw_id!r} is not an arXiv id", code="paper_not_found") from None
    paper = visible_papers().filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raise NotFound(f"No paper {arxiv_id}", code="paper_not_found")
    return paper


def feed_papers(*, topic: str | None = None, now: datetime | None = None) -> QuerySet[Paper]:
    """The best visible papers published in the last :data:`FEED_DAYS` days, pinned first."""
    since = (now or timezone.now()) - timedelta(days=FEED_DAYS)
    papers = visible_papers().filter(published__gte=since)
    if topic:
        papers = papers.filter(topics__contains=[topic])
    return _order(papers, DEFAULT_ORDERING)[:FEED_SIZE]
