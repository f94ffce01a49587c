"""Facet counts of the papers list: how many visible papers carry each topic, tag and source.

The unfiltered view and every single-filter view (one ``topic``, ``tag`` or ``source``, nothing else)
are read from ``papers_facetcount`` (:class:`papers.models.FacetCount`), which statement-level
triggers on ``papers_paper`` keep current: each INSERT, UPDATE or DELETE statement adds the pairs of
the rows it wrote and subtracts those of the rows it replaced (transition tables, so a bulk upsert of
2,000 papers is one grouped write, not 2,000), and TRUNCATE empties it. A paper contributes one pair
per (filter it matches, value it carries), its own values only, so a statement costs what its rows
carry, never a recount of the table.

Any other combination (a search, a day, a category, two filters) is counted live over at most
:data:`LIVE_CAP` + 1 matching papers; past :data:`LIVE_CAP` the answer says ``exact: false``, and
``total`` and the counts are those of the papers counted (matches in no particular order).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.core.exceptions import EmptyResultSet
from django.db import connection

from papers import selectors
from papers.models import FacetCount
from papers.selectors import PaperFilters, paper_list

#: The facet kinds and the filter parameter each one is (the list's ``topic``, ``tag``, ``source``).
KINDS = ("topic", "tag", "source")
#: At most this many values of each kind are returned, the most frequent first.
LIMITS = {"topic": 50, "tag": 30, "source": 10}
#: A live count reads at most this many matching papers.
LIVE_CAP = 2_000

TABLE = FacetCount._meta.db_table

#: SQL function: the (filter kind, filter value, facet kind, facet value) pairs one paper adds; the
#: kind ``""`` with value ``""`` stands for "no filter" and for "every paper" (the view's total).
PAIRS_FUNCTION = """
CREATE OR REPLACE FUNCTION papers_facet_pairs(topics text[], tags text[], sources text[])
RETURNS TABLE (filter_kind text, filter_value text, facet_kind text, facet_value text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH own (kind, value) AS (
        SELECT 'topic', x FROM unnest(topics) AS x
        UNION SELECT 'tag', x FROM unnest(tags) AS x
        UNION SELECT 'source', x FROM unnest(sources) AS x
        UNION SELECT '', ''
    )
    SELECT f.kind, f.value, v.kind, v.value FROM own AS f CROSS JOIN own AS v
$$;
"""

_APPLY = f"""
    INSERT INTO {TABLE} AS c (filter_kind, filter_value, facet_kind, facet_value, count)
    SELECT filter_kind, filter_value, facet_kind, facet_value, sum(delta) FROM (%s) AS d
    GROUP BY 1, 2, 3, 4 HAVING sum(delta) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (filter_kind, filter_value, facet_kind, facet_value)
    DO UPDATE SET count = c.count + EXCLUDED.count;
"""  # noqa: S608 - table name and fixed SQL only
_CHANGED = "(o.topics, o.tags, o.sources, o.hidden) IS DISTINCT FROM (n.topics, n.tags, n.sources, n.hidden)"

# The rows each kind of statement adds (+1) and removes (-1); an update only counts rows whose
# topics, tags, sources or visibility changed.
_INSERTED = """SELECT p.*, 1 AS delta FROM new_rows AS n,
            papers_facet_pairs(n.topics, n.tags, n.sources) AS p WHERE NOT n.hidden"""
_DELETED = """SELECT p.*, -1 AS delta FROM old_rows AS o,
            papers_facet_pairs(o.topics, o.tags, o.sources) AS p WHERE NOT o.hidden"""
_UPDATED = f"""SELECT p.*, -1 AS delta FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id,
            papers_facet_pairs(o.topics, o.tags, o.sources) AS p WHERE NOT o.hidden AND {_CHANGED}
        UNION ALL
        SELECT p.*, 1 FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id,
            papers_facet_pairs(n.topics, n.tags, n.sources) AS p WHERE NOT n.hidden AND {_CHANGED}"""  # noqa: S608

TRIGGER_FUNCTION = f"""
CREATE OR REPLACE FUNCTION papers_facet_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM {TABLE};
    ELSIF TG_OP = 'INSERT' THEN
        {_APPLY % _INSERTED}
    ELSIF TG_OP = 'DELETE' THEN
        {_APPLY % _DELETED}
    ELSE
        {_APPLY % _UPDATED}
    END IF;
    RETURN NULL;
END
$$;
"""  # noqa: S608 - fixed SQL only

TRIGGERS = """
CREATE TRIGGER papers_facet_insert AFTER INSERT ON papers_paper
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION papers_facet_count();
CREATE TRIGGER papers_facet_update AFTER UPDATE ON papers_paper
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION papers_facet_count();
CREATE TRIGGER papers_facet_delete AFTER DELETE ON papers_paper
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION papers_facet_count();
CREATE TRIGGER papers_facet_truncate AFTER TRUNCATE ON papers_paper
    FOR EACH STATEMENT EXECUTE FUNCTION papers_facet_count();
"""

DROP = """
DROP TRIGGER IF EXISTS papers_facet_insert ON papers_paper;
DROP TRIGGER IF EXISTS papers_facet_update ON papers_paper;
DROP TRIGGER IF EXISTS papers_facet_delete ON papers_paper;
DROP TRIGGER IF EXISTS papers_facet_truncate ON papers_paper;
DROP FUNCTION IF EXISTS papers_facet_count();
DROP FUNCTION IF EXISTS papers_facet_pairs(text[], text[], text[]);
"""

#: The counts recomputed from the table (the migration's first fill; tests compare against it).
RECOUNT = """
SELECT p.filter_kind, p.filter_value, p.facet_kind, p.facet_value, count(*)
FROM papers_paper AS n, papers_facet_pairs(n.topics, n.tags, n.sources) AS p
WHERE NOT n.hidden GROUP BY 1, 2, 3, 4
"""
REFILL = f"""
DELETE FROM {TABLE};
INSERT INTO {TABLE} (filter_kind, filter_value, facet_kind, facet_value, count) {RECOUNT};
"""  # noqa: S608

_STORED_SELECT = f"""
(SELECT facet_kind, facet_value, count FROM {TABLE}
 WHERE filter_kind = %s AND filter_value = %s AND facet_kind = %s AND count > 0
 ORDER BY count DESC, facet_value LIMIT %s)
"""  # noqa: S608

_STORED_TOTAL = f"""
SELECT count FROM {TABLE}
WHERE filter_kind = %s AND filter_value = %s AND facet_kind = '' AND facet_value = ''
"""  # noqa: S608 - table name and fixed SQL only

# Arrays hold distinct values (the scraper dedups them, the upsert appends only new ones), so a
# paper counts once per value without a per-row DISTINCT (which costs more than the rest).
_LIVE = """
WITH m AS MATERIALIZED ({matches})
SELECT 'topic', x, count(*) FROM m, unnest(m.topics) AS x GROUP BY 2
UNION ALL SELECT 'tag', x, count(*) FROM m, unnest(m.tags) AS x GROUP BY 2
UNION ALL SELECT 'source', x, count(*) FROM m, unnest(m.sources) AS x GROUP BY 2
UNION ALL SELECT '', '', count(*) FROM m
"""


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass
class Facets:
    total: int = 0
    #: False when more papers match than were counted (:data:`LIVE_CAP` + 1).
    exact: bool = True
    topics: list[FacetValue] = field(default_factory=list)
    tags: list[FacetValue] = field(default_factory=list)
    sources: list[FacetValue] = field(default_factory=list)

    def add(self, kind: str, value: str, count: int) -> None:
        if kind == "":
            self.total = count
        else:
            getattr(self, f"{kind}s").append(FacetValue(value, count))

    def as_dict(self) -> dict[str, object]:
        """The response body (``PaperFacetsSerializer``'s shape), built directly: a serializer pass
        over ~90 values costs more than the stored counts' query."""
        values = {
            f"{kind}s": [{"value": v.value, "count": v.count} for v in getattr(self, f"{kind}s")]
            for kind in KINDS
        }
        return {"total": self.total, "exact": self.exact, **values}

    def trimmed(self) -> Facets:
        def top(kind: str) -> list[FacetValue]:
            values = sorted(getattr(self, f"{kind}s"), key=lambda v: (-v.count, v.value))
            return values[: LIMITS[kind]]

        return replace(self, topics=top("topic"), tags=top("tag"), sources=top("source"))


def _single_filter(filters: PaperFilters) -> tuple[str, str] | None:
    """The stored view ``filters`` is (``("", "")`` unfiltered), or None when it must be counted."""
    given = {kind: getattr(filters, kind) for kind in KINDS if getattr(filters, kind)}
    rest = replace(filters, topic=None, tag=None, source=None, ordering=None)
    if rest != PaperFilters() or len(given) > 1:
        return None
    return next(iter(given.items()), ("", ""))


def stored_total_query(filters: PaperFilters) -> tuple[str, tuple[str, str]] | None:
    """The query of how many visible papers match ``filters`` (ordering ignored), from the stored
    counts, when ``filters`` is a stored view (unfiltered, or one topic, tag or source alone); else
    None. One row and value (0 for a value no paper has), read with the list's page
    (papers.selectors.PublicRows.read_with_total): one round trip for both."""
    view = _single_filter(filters)
    if view is None:
        return None
    return f"SELECT coalesce(({_STORED_TOTAL}), 0)", view


def paper_facets(filters: PaperFilters) -> Facets:
    """Counts per topic, tag and source of the visible papers matching ``filters`` (ordering ignored)."""
    view = _single_filter(filters)
    facets = Facets()
    with connection.cursor() as cursor:
        if view is not None:
            parts, params = [], []
            for kind in ("", *KINDS):
                parts.append(_STORED_SELECT)
                params += [*view, kind, LIMITS.get(kind, 1)]
            cursor.execute(" UNION ALL ".join(parts), params)
            for kind, value, count in cursor.fetchall():
                facets.add(kind, value, count)
            return facets
        # Unordered: ranking every match of a common term is what must not happen here. One match
        # past the cap, counted too, tells that there are more without a second query.
        matches = paper_list(filters).order_by().values("topics", "tags", "sources")[: LIVE_CAP + 1]
        try:
            sql, params = matches.query.sql_with_params()
        except EmptyResultSet:  # a search that matches nothing, even corrected: no query to run
            return facets
        cursor.execute(_LIVE.format(matches=sql), params)
        for kind, value, count in cursor.fetchall():
            facets.add(kind, value, count)
    # A search counts its bounded candidates (papers.selectors): all of its matches only when
    # fewer than a full candidate set were found.
    facets.exact = facets.total <= (selectors.RANK_CANDIDATES if filters.search.strip() else LIVE_CAP)
    return facets.trimmed()
