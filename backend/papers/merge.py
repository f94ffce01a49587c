"""The bulk upsert of papers as one SQL statement, and the rules it merges a known paper by.

A batch is sent as one JSON parameter, expanded once by ``jsonb_to_recordset`` and written by one
statement (one round trip for up to 2,000 papers) with three parts:

- known papers whose title, abstract or authors change: ``UPDATE`` of every merged column;
- known papers where only other fields change: ``UPDATE`` that leaves title, abstract and authors
  out of its ``SET`` list, so Postgres does not recompute the stored search vector (parsing the
  text is most of the cost of a write);
- new papers: ``INSERT ... ON CONFLICT (arxiv_id) DO UPDATE`` (the conflict branch only serves a
  paper another transaction inserted meanwhile, merged by the same rules).

A known paper whose merge changes nothing is not written at all: ``modified`` keeps its value, no
dead tuple, no index churn. So the same batch twice leaves the table unchanged.

Merge rules (``old`` = the stored row, ``new`` = the incoming record; "unknown" = null, ``""``,
``[]`` or ``{}``, i.e. what a source that does not know a field sends):

- ``version``: the greater one.
- Version-bound metadata (``title``, ``abstract``, ``authors``, ``primary_category``,
  ``categories``, ``abs_url``, ``pdf_url``, ``doi``, ``journal_ref``, ``comment``): when
  ``new.version >= old.version`` a known incoming value replaces the stored one; an older version
  only fills what is still unknown. So a newer version updates, an older one never overwrites.
- ``published``: the earliest known; ``updated``: the latest known.
- ``sources``: the union, sorted. ``topics``, ``tags``: the union, stored order first, then the
  incoming values not yet there (a tag one source set stays when another does not know it).
- ``hf_upvotes``, ``hf_comments``, ``github_stars``: the greatest known (counters only grow; a
  source with a stale count never lowers them).
- ``github_repo``, ``project_url``, ``ai_summary``, ``organization``, ``thumbnail``: a known incoming value
  replaces the stored one; unknown keeps it.
- ``relevance``: the greatest known; ``relevance_components`` follow the score that won (or fill
  an empty breakdown).
- ``pinned``, ``hidden``, ``sample``, ``created``: never written by an upsert. ``modified``: the statement's
  time, only when some merged value differs.

The incoming ids of one batch are unique (``PapersBulk`` checks), so no row is written twice.
New rows are inserted in ``arxiv_id`` order. Two batches that update the same known papers at
the same moment could deadlock (Postgres then aborts one; the outbox retries it); the scraper
sends its batches one after another.
"""

from __future__ import annotations

from dataclasses import dataclass

from portfolio_shared.schemas import PAPER_FIELDS

TABLE = "papers_paper"
#: The inputs of the generated ``search_vector``.
TEXT_COLUMNS = frozenset({"title", "abstract", "authors"})


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    #: How an incoming value is stored (``{v}`` is the raw incoming value).
    store: str
    #: The merged value: ``{o}`` is the stored row, ``{n}`` the incoming one, ``{c}`` this column.
    merge: str


def _known(kind: str, value: str) -> str:
    """SQL that is null when ``value`` is the unknown value of ``kind``."""
    # Doubled braces: the result is a template that str.format fills later.
    empty = {"text": "''", "array": "'{{}}'::text[]"}.get(kind)
    return f"NULLIF({value}, {empty})" if empty else value


def _versioned(kind: str) -> str:
    return (
        f"CASE WHEN {{n}}.version >= {{o}}.version THEN COALESCE({_known(kind, '{n}.{c}')}, {{o}}.{{c}}) "
        f"ELSE COALESCE({_known(kind, '{o}.{c}')}, {{n}}.{{c}}) END"
    )


_KEEP = "{o}.{c}"
_LATEST_KNOWN = "COALESCE({n}.{c}, {o}.{c})"
_GREATEST = "GREATEST({o}.{c}, {n}.{c})"
_APPEND_NEW = "{o}.{c} || ARRAY(SELECT x FROM unnest({n}.{c}) AS x WHERE x <> ALL({o}.{c}))"
_LIST = "COALESCE({v}, '{{}}')"


def _nullable_text(name: str, merge: str) -> Column:
    return Column(name, "text", "NULLIF({v}, '')", merge)


#: How each of a paper's fields is stored and merged (the rules in the module's docstring).
_RULES: tuple[Column, ...] = (
    Column("arxiv_id", "text", "{v}", _KEEP),
    Column("version", "integer", "{v}", _GREATEST),
    Column("title", "text", "{v}", _versioned("text")),
    Column("abstract", "text", "COALESCE({v}, '')", _versioned("text")),
    Column("authors", "text[]", _LIST, _versioned("array")),
    _nullable_text("primary_category", _versioned("nullable")),
    Column("categories", "text[]", _LIST, _versioned("array")),
    Column("published", "timestamptz", "{v}", "LEAST({o}.{c}, {n}.{c})"),
    Column("updated", "timestamptz", "{v}", _GREATEST),
    _nullable_text("abs_url", _versioned("nullable")),
    _nullable_text("pdf_url", _versioned("nullable")),
    _nullable_text("doi", _versioned("nullable")),
    _nullable_text("journal_ref", _versioned("nullable")),
    _nullable_text("comment", _versioned("nullable")),
    Column(
        "sources",
        "text[]",
        "ARRAY(SELECT DISTINCT x FROM unnest(COALESCE({v}, '{{}}')) AS x ORDER BY x)",
        "ARRAY(SELECT DISTINCT x FROM unnest({o}.{c} || {n}.{c}) AS x ORDER BY x)",
    ),
    Column("hf_upvotes", "integer", "{v}", _GREATEST),
    Column("hf_comments", "integer", "{v}", _GREATEST),
    _nullable_text("github_repo", _LATEST_KNOWN),
    Column("github_stars", "integer", "{v}", _GREATEST),
    _nullable_text("project_url", _LATEST_KNOWN),
    _nullable_text("ai_summary", _LATEST_KNOWN),
    _nullable_text("organization", _LATEST_KNOWN),
    Column("topics", "text[]", _LIST, _APPEND_NEW),
    Column("tags", "text[]", _LIST, _APPEND_NEW),
    Column("relevance", "double precision", "COALESCE({v}, 0)", _GREATEST),
    Column(
        "relevance_components",
        "jsonb",
        "COALESCE({v}, '{{}}'::jsonb)",
        "CASE WHEN {n}.relevance > {o}.relevance OR {o}.{c} = '{{}}'::jsonb "
        "THEN COALESCE(NULLIF({n}.{c}, '{{}}'::jsonb), {o}.{c}) ELSE {o}.{c} END",
    ),
    _nullable_text("thumbnail", _LATEST_KNOWN),
)
_BY_NAME = {c.name: c for c in _RULES}
if set(_BY_NAME) != set(PAPER_FIELDS):
    # A field added to the shared Paper needs its merge rule here (and a column and migration).
    raise RuntimeError(f"papers.merge has no rule for {sorted(set(PAPER_FIELDS) ^ set(_BY_NAME))}")
#: The upserted columns: the shared paper's fields, in their order (``PAPER_FIELDS``).
COLUMNS: tuple[Column, ...] = tuple(_BY_NAME[name] for name in PAPER_FIELDS)
_MERGED = tuple(c for c in COLUMNS if c.name != "arxiv_id")
_TEXT = tuple(c for c in _MERGED if c.name in TEXT_COLUMNS)
_OTHER = tuple(c for c in _MERGED if c.name not in TEXT_COLUMNS)


def _merged(column: Column, new: str) -> str:
    return column.merge.format(o="p", n=new, c=column.name)


def _set(columns: tuple[Column, ...], new: str) -> str:
    return ",\n        ".join(
        [f"{c.name} = {_merged(c, new)}" for c in columns] + ["modified = statement_timestamp()"]
    )


def _differs(columns: tuple[Column, ...], new: str, *, negate: bool = False) -> str:
    merged = ", ".join(_merged(c, new) for c in columns)
    stored = ", ".join(f"p.{c.name}" for c in columns)
    return f"ROW({merged}) IS {'NOT ' if negate else ''}DISTINCT FROM ROW({stored})"


def build_upsert_sql() -> str:
    """The statement; its one parameter is a JSON array of papers (``Paper.model_dump`` shape).

    It returns one row: ``(created, updated)``; unchanged = papers sent - created - updated.
    """
    names = ", ".join(c.name for c in COLUMNS)
    record_type = ", ".join(f"{c.name} {c.sql_type}" for c in COLUMNS)
    stored = ", ".join(f"{c.store.format(v=f'r.{c.name}')} AS {c.name}" for c in COLUMNS)
    # Only identifiers and expressions of COLUMNS go into the text; the batch is the one bound parameter.
    return f"""
WITH incoming AS MATERIALIZED (
    SELECT {stored}
    FROM jsonb_to_recordset(%s::jsonb) AS r({record_type})
),
text_updated AS (
    UPDATE {TABLE} AS p SET
        {_set(_MERGED, "n")}
    FROM incoming AS n
    WHERE p.arxiv_id = n.arxiv_id AND {_differs(_TEXT, "n")}
    RETURNING 1
),
other_updated AS (
    UPDATE {TABLE} AS p SET
        {_set(_OTHER, "n")}
    FROM incoming AS n
    WHERE p.arxiv_id = n.arxiv_id
        AND {_differs(_TEXT, "n", negate=True)}
        AND {_differs(_OTHER, "n")}
    RETURNING 1
),
inserted AS (
    INSERT INTO {TABLE} AS p ({names}, pinned, hidden, created, modified)
    SELECT n.*, false, false, statement_timestamp(), statement_timestamp()
    FROM incoming AS n
    WHERE NOT EXISTS (SELECT FROM {TABLE} AS known WHERE known.arxiv_id = n.arxiv_id)
    ORDER BY n.arxiv_id
    ON CONFLICT (arxiv_id) DO UPDATE SET
        {_set(_MERGED, "EXCLUDED")}
    WHERE {_differs(_MERGED, "EXCLUDED")}
    RETURNING (xmax = 0) AS created
)
SELECT
    (SELECT count(*) FILTER (WHERE created) FROM inserted),
    (SELECT count(*) FILTER (WHERE NOT created) FROM inserted)
        + (SELECT count(*) FROM text_updated)
        + (SELECT count(*) FROM other_updated)
"""  # noqa: S608


UPSERT_SQL = build_upsert_sql()
