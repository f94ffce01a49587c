"""Reads of the papers app: the public list (filters, full-text search, orderings), detail and feed.

Hidden papers are never returned; pinned papers always come first.

Search: Postgres full text (``websearch_to_tsquery`` on the stored, weighted ``search_vector``,
ranked by ``ts_rank_cd`` with a title match worth five abstract matches). Ranking every match does
not fit a year of papers (a common term matches tens of thousands; ``ts_rank_cd`` reads each one's
vector), so a search ranks a bounded candidate set: the first ``RANK_CANDIDATES`` matches in the
list's order (the ordered index, read until that many match, or the GIN index for rarer terms:
the planner's choice) and up to ``RANK_CANDIDATES`` papers whose *title* matches (a GIN index on
the title's own vector, read in index order and stopped there: ordering them would read every title
match), both read by one query. A title match outranks abstract matches, so the best matches are
among the candidates even when thousands of papers mention the term; ``count`` stops at the same
bound and says so (papers.api.pagination), and is the number of candidates, known without counting.

When the query matches nothing, each of its words that is not a title word is corrected to the
nearest word of the title dictionary (``TitleTerm``, a GiST trigram index read nearest-first, one
row per word) when that is similar enough, and the corrected query is searched the same bounded
way: a one-typo query ("transfromer") finds the "Transformer" papers without comparing the query to
200,000 titles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import psycopg
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import BooleanField, DateTimeField, F, OrderBy, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from papers.models import SEARCH_CONFIG, Paper, TitleTerm, title_search_vector
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
#: Trigram similarity at or above which a dictionary word replaces a query word. One-letter typos
#: of ML terms score 0.4 and more ("transfromer" vs "transformer": 0.5, "retreival" vs "retrieval":
#: 0.43, "difusion" vs "diffusion": 0.73); only the nearest word is taken, and only when the query
#: as typed matched nothing.
TRIGRAM_THRESHOLD = 0.4
#: The nearest dictionary words read for each corrected word (ties broken in Python, see corrected_query).
NEAREST_TERMS = 5
#: Query words shorter than this are never corrected (too many words are one letter apart).
MIN_CORRECTED_LENGTH = 4
#: At most this many words of one query are looked up for a correction (one indexed query each):
#: a 200-character query of misspellings must not cost forty queries.
MAX_CORRECTED_WORDS = 6
#: The most matches a search ranks from each of its two candidate sources (see above). At 200,000
#: papers a common term's first 100 matches in list order cost ~1 ms, 200 ~3 ms, and ranking them
#: as much again: with the title matches' index read (~4 ms) this is what one search costs Postgres.
RANK_CANDIDATES = 100
FEED_DAYS = 7
#: A word of a query, as the dictionary splits titles (migration 0003); "or" and "-x" keep their sense.
_WORD = re.compile(r"[^\W_]+")
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


@dataclass(frozen=True)
class PaperResults:
    """The papers of a list, in order, and how many there are when that is known without counting
    (a search's candidates, see above); None: count them (papers.api.pagination)."""

    #: Builds the list's queryset (only when asked for: the list view pages a search with
    #: :class:`RankedRows` instead, and building it costs as much as running that).
    build: Callable[[], QuerySet[Paper]]
    total: int | None = None
    #: A search's ranked candidates (``papers`` is their queryset): :class:`RankedRows` pages them
    #: with one prepared statement instead of compiling ``papers`` per request.
    ranked: RankedPage | None = None

    @property
    def papers(self) -> QuerySet[Paper]:
        return self.build()


@dataclass(frozen=True)
class RankedPage:
    """What a search's page is ranked by: its candidates' ids, the (corrected) query, the ordering."""

    candidates: list[int]
    search: str
    ordering: str | None


def paper_list(filters: PaperFilters) -> QuerySet[Paper]:
    """The public list for ``filters``: bounded and ranked when searching (see above)."""
    return paper_results(filters).papers


def paper_results(filters: PaperFilters) -> PaperResults:
    """:func:`paper_list` with the number of a search's results (its candidates)."""
    search = filters.search.strip()
    if not search:
        return PaperResults(lambda: _order(_filtered(filters), filters.ordering))
    ranked = _ranked(filters, search)
    if ranked is None:
        corrected = corrected_query(search)
        ranked = _ranked(filters, corrected) if corrected != search else None
    return ranked if ranked is not None else PaperResults(Paper.objects.none, 0)


#: Stands for the search text in a compiled candidates query (see _candidates); no text a visitor
#: sends holds a NUL (Postgres refuses one), so no filter value can be taken for it.
_SEARCH_PARAMETER = "\x00search"


def _candidates(filters: PaperFilters, search: str) -> list[int]:
    """The ids of the bounded candidates of ``search`` (see above) among the papers ``filters`` give.

    The first RANK_CANDIDATES + 1 matches in the list's order (one more than ranked, so that the
    count knows there are more) and the title matches, in one query (UNION drops the duplicates).
    Its SQL is compiled once per filters but the search (``_COMPILED_PAGES``; the ORM spends more
    on compiling it than Postgres on planning it), the search text being one of its parameters.
    It is not prepared: its plan depends on the search (the ordered index for a common term, the
    search index for a rare one).
    """
    key = ("candidates", replace(filters, search=""))
    compiled = _COMPILED_PAGES.get(key)
    if compiled is None:
        papers = _filtered(filters)
        query = SearchQuery(_SEARCH_PARAMETER, search_type="websearch", config=SEARCH_CONFIG)
        first = _order(papers.filter(search_vector=query), filters.ordering).values_list("id", flat=True)
        titles = papers.annotate(title_vector=title_search_vector()).filter(title_vector=query)
        in_titles = titles.order_by().values_list("id", flat=True)[:RANK_CANDIDATES]
        sql, params = first[: RANK_CANDIDATES + 1].union(in_titles).query.sql_with_params()
        compiled = _compiled(key, sql, tuple(params))
    sql, params = compiled
    with connection.cursor() as cursor:
        cursor.execute(sql, [search if param == _SEARCH_PARAMETER else param for param in params])
        return [row[0] for row in cursor.fetchall()]


def _ranked(filters: PaperFilters, search: str) -> PaperResults | None:
    """The bounded candidates of ``search`` (see above), ranked; None when nothing matches."""
    candidates = _candidates(filters, search)
    if not candidates:
        return None
    ordering = filters.ordering

    def build() -> QuerySet[Paper]:
        query = SearchQuery(search, search_type="websearch", config=SEARCH_CONFIG)
        rank = SearchRank(F("search_vector"), query, weights=RANK_WEIGHTS, cover_density=True)
        # The candidates are visible papers already: no hidden filter, and no count (their number).
        # One array parameter, not ``id__in`` (a placeholder per id costs more to build than the query).
        among = RawSQL(  # noqa: S611 - fixed SQL; the ids are one bound parameter
            f'"{Paper._meta.db_table}"."id" = ANY(%s)', (candidates,), output_field=BooleanField()
        )
        ranked = Paper.objects.defer("search_vector").filter(among).annotate(rank=rank)
        return _order(ranked, ordering, F("rank").desc())

    return PaperResults(build, len(candidates), RankedPage(candidates, search, ordering))


#: Compiled queries of :class:`PublicRows` pages and :func:`_candidates` by key (at most this many
#: kept per process).
MAX_COMPILED_PAGES = 1024
_COMPILED_PAGES: dict[Hashable, tuple[str, tuple[Any, ...]]] = {}


def _compiled(key: Hashable, sql: str, params: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """Keep a compiled query under ``key``."""
    if len(_COMPILED_PAGES) >= MAX_COMPILED_PAGES:
        _COMPILED_PAGES.clear()  # rare (filters by day); starting over is cheap
    _COMPILED_PAGES[key] = (sql, params)
    return sql, params


class _PreparedCursor(psycopg.Cursor):  # type: ignore[type-arg]
    """A server-side binding cursor that runs every statement as a prepared statement."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> Any:
        return super().execute(query, params, prepare=True, binary=binary)


@contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """A cursor of Django's connection whose statements are prepared on it (planned once per pooled
    connection, not per request), through Django's wrapper (execute wrappers, captured queries).

    Django's own cursors bind parameters client-side, which cannot prepare; for the hot fixed
    statements (an unfiltered page, a stored total) planning cost Postgres more than running them.
    Only for statements whose plan does not depend on their parameter values: a prepared statement
    may switch to a generic plan after five executions.
    """
    connection.ensure_connection()
    raw = _PreparedCursor(connection.connection)
    with connection._prepare_cursor(raw) as cursor:  # type: ignore[attr-defined]  # Django's own hook
        yield cursor


#: A UTC timestamp as DRF's ``DateTimeField`` writes it (``papers.api.serializers._iso``): ISO 8601,
#: microseconds only when there are any, ``Z``. ``{0}`` is the column.
_ISO_UTC_SQL = (
    "to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')\n"
    "            || CASE WHEN to_char({0}, 'US') <> '000000'\n"
    "                THEN to_char({0}, '.US') ELSE '' END || 'Z'"
)


def sql_literal(text: str) -> str:
    """``text`` as an SQL string literal (``standard_conforming_strings``, Postgres' default since 9.1)."""
    return "'" + text.replace("'", "''") + "'"


def json_object_sql(fields: Sequence[str], values: Mapping[str, str] | None = None) -> str:
    """An SQL expression writing a paper row as the JSON object of ``fields``, in order: each field's
    column (``values`` may give another SQL expression for a field); a timestamp as ``_ISO_UTC_SQL``."""
    values = values or {}
    parts = []
    for name in fields:
        field = Paper._meta.get_field(name)
        column = f'"{field.column}"'  # type: ignore[union-attr]
        value = values.get(name) or (
            _ISO_UTC_SQL.format(column) if isinstance(field, DateTimeField) else column
        )
        parts.append(f"{sql_literal(name)}, {value}")
    # One field a line: the SQL is also a trigger function's body (papers.stored_json), read by people.
    return "json_build_object(\n        " + ",\n        ".join(parts) + "\n    )::text"


@dataclass(frozen=True)
class JsonPage:
    """A page of papers as a JSON array Postgres wrote (:class:`PublicRows`), for orjson to embed."""

    fragment: orjson.Fragment
    length: int

    def __len__(self) -> int:
        return self.length


class PublicRows:
    """``papers`` as pages of JSON objects of ``fields``, sliced like a queryset: a page of the list.

    Postgres writes each paper's JSON object itself (:func:`json_object_sql`, one text column a
    row), and the page is the objects joined into an array that the renderer embeds as it is
    (``orjson.Fragment``): no value of 50-200 papers with abstracts is loaded into Python, put in a
    dict and encoded again, which cost the worker several times what the query costs Postgres.
    ``json_object`` is the expression (:func:`json_object_sql`, with the API's own values).
    """

    def __init__(
        self,
        papers: QuerySet[Paper] | Callable[[], QuerySet[Paper]],
        json_object: str,
        *,
        key: Hashable = None,
        total: tuple[str, tuple[Any, ...]] | None = None,
    ) -> None:
        """``key``, when given, determines ``papers`` (e.g. a list's filters): the SQL of each page
        is then compiled once per process (the ORM spends more on compiling a page than Postgres
        on running it), not per request; ``papers`` may then be a function that builds the queryset,
        called only when a page's SQL is not compiled yet (building it costs as much again). A page
        whose SQL has no parameters of its own (an unfiltered list, in any ordering) is a prepared
        statement. ``total`` is a query of one row and value, the number of papers when that is
        stored (papers.facets.stored_total_query, SQL and parameters): :meth:`read_with_total`
        reads it with a page, in one statement."""
        self._papers = papers
        self.json_object = json_object
        self.key = key
        self.total_query = total
        #: A page read ahead by read_with_total, and the slice it is.
        self._read: tuple[slice, JsonPage] | None = None

    @property
    def papers(self) -> QuerySet[Paper]:
        if callable(self._papers) and not isinstance(self._papers, QuerySet):
            self._papers = self._papers()
        return self._papers

    def _sql(self, index: slice) -> tuple[str, tuple[Any, ...]]:
        key = (self.key, self.json_object, index.start, index.stop) if self.key is not None else None
        compiled = _COMPILED_PAGES.get(key) if key is not None else None
        if compiled is None:
            json_object = RawSQL(self.json_object, ())  # noqa: S611 - fixed SQL of our own (json_object_sql)
            page = self.papers.annotate(page_json=json_object).values_list("page_json")
            sql, params = page[index].query.sql_with_params()
            compiled = _compiled(key, sql, tuple(params)) if key is not None else (sql, tuple(params))
        return compiled

    def _prepared(self, params: tuple[Any, ...]) -> bool:
        # A filter's values are parameters, and its plan depends on them (a rare topic or a common
        # one): only a page without any is prepared (a stored total's are the key of one row).
        return self.key is not None and not params

    def bounded_count(self, limit: int) -> int:
        """How many papers there are, counting at most ``limit`` (only their ids are read)."""
        return int(self.papers.order_by().values("pk")[:limit].count())

    def read_with_total(self, index: slice) -> int:
        """The number of papers (``total``), read in one statement with the page ``index``, which
        is kept for when the paginator asks for it: one round trip instead of two."""
        assert self.total_query is not None
        total_sql, total_params = self.total_query
        sql, params = self._sql(index)
        # LEFT JOIN LATERAL: one row, the total, even when the page is empty; the page's own order.
        statement = (
            f"SELECT t.total, p.page_json FROM ({total_sql}) AS t(total) "  # noqa: S608 - our own SQL
            f"LEFT JOIN LATERAL ({sql}) AS p ON true"
        )
        with prepared_cursor() if self._prepared(params) else connection.cursor() as cursor:
            cursor.execute(statement, (*total_params, *params))
            rows = cursor.fetchall()
        page = [row[1] for row in rows if row[1] is not None]
        self._read = (index, _json_page(page))
        return int(rows[0][0])

    def __getitem__(self, index: slice) -> JsonPage:
        if self._read is not None:
            read, page = self._read
            # The page asked for, or the same start and all the rows read (the list's last page).
            if read.start == index.start and (
                read.stop == index.stop or len(page) <= index.stop - index.start
            ):
                return page
        try:
            sql, params = self._sql(index)
        except EmptyResultSet:  # papers.none(): a search that matches nothing
            return _json_page([])
        with prepared_cursor() if self._prepared(params) else connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return _json_page([row[0] for row in rows])


def _json_page(objects: list[str]) -> JsonPage:
    """Papers' JSON objects as one array."""
    return JsonPage(orjson.Fragment("[" + ",".join(objects) + "]"), len(objects))


#: ``ORDERINGS`` as SQL (the ranked page is written as SQL, see RankedRows).
_ORDERING_SQL = {
    "-relevance": "relevance DESC",
    "-published": "published DESC NULLS LAST",
    "-upvotes": "hf_upvotes DESC NULLS LAST",
}


class RankedRows(PublicRows):
    """A search's page (:class:`RankedPage`): its candidates ranked as :func:`_ranked`'s queryset
    orders them, as rows like :class:`PublicRows`, by one prepared statement per ordering and page.

    The statement's plan is the same whatever the ids and the query (the candidates by primary key,
    ranked, sorted): planned once per pooled connection, and no ORM compile per request, which
    together cost more than ranking the candidates.
    """

    def __init__(self, page: RankedPage, json_object: str) -> None:
        super().__init__(Paper.objects.none(), json_object)
        self.page = page

    def _sql(self, index: slice) -> tuple[str, tuple[Any, ...]]:
        params: list[Any] = [self.page.candidates]
        if self.page.ordering:
            order = _ORDERING_SQL[self.page.ordering]
        else:
            order = (
                f"ts_rank_cd(%s::real[], search_vector, websearch_to_tsquery('{SEARCH_CONFIG}', %s)) DESC, "
                + _ORDERING_SQL[DEFAULT_ORDERING]
            )
            params += [RANK_WEIGHTS, self.page.search]
        start = index.start or 0
        limit = "" if index.stop is None else f" LIMIT {int(index.stop) - int(start)}"
        sql = (
            f'SELECT {self.json_object} FROM "{Paper._meta.db_table}" WHERE id = ANY(%s::bigint[]) '  # noqa: S608
            f"ORDER BY pinned DESC, {order}, id DESC{limit} OFFSET {int(start)}"
        )
        return sql, tuple(params)

    def _prepared(self, params: tuple[Any, ...]) -> bool:
        return True

    def bounded_count(self, limit: int) -> int:
        return min(len(self.page.candidates), limit)


#: The dictionary words nearest to a word (the GiST trigram index read nearest-first); prepared.
_NEAREST_TERMS_SQL = (
    f'SELECT term, term <-> %s FROM "{TitleTerm._meta.db_table}" '  # noqa: S608 - fixed SQL
    f"ORDER BY term <-> %s LIMIT {NEAREST_TERMS}"
)


def corrected_query(search: str) -> str:
    """``search`` with each word that is no title word replaced by the nearest that is, if similar
    enough (see ``TRIGRAM_THRESHOLD``); operators, quotes, short words and the words past the first
    ``MAX_CORRECTED_WORDS`` long ones stay as typed."""
    looked_up = 0

    def nearest(word: str) -> str:
        nonlocal looked_up
        if len(word) < MIN_CORRECTED_LENGTH or looked_up >= MAX_CORRECTED_WORDS:
            return word
        looked_up += 1
        lowered = word.lower()
        with prepared_cursor() as cursor:
            cursor.execute(_NEAREST_TERMS_SQL, (lowered, lowered))
            nearest_rows = cursor.fetchall()
        # Equally near words (a transposition scores as a dropped syllable: "transfromer" is 0.5 from
        # both "transformer" and "transfer"): the one of the typed length, then the first in order.
        row = min(
            nearest_rows,
            key=lambda r: (round(r[1], 6), abs(len(r[0]) - len(lowered)), r[0]),
            default=None,
        )
        if row is None or row[0] == lowered or 1 - row[1] < TRIGRAM_THRESHOLD:
            return word
        return row[0]

    return _WORD.sub(lambda match: nearest(match.group(0)), search)


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


def paper_titles(arxiv_ids: Sequence[str]) -> dict[str, str]:
    """``{arxiv_id: title}`` of the visible papers among ``arxiv_ids`` (version-less ids); a hidden
    or unknown paper is left out, as on every public read (the dashboard may be shared)."""
    rows = visible_papers().filter(arxiv_id__in=set(arxiv_ids)).values_list("arxiv_id", "title")
    return dict(rows)
