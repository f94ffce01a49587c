"""Pagination of the papers list: ``count`` is capped, and says so in ``count_capped``.

At a year of papers (~200,000) an exact ``COUNT(*)`` of the list, or of a common term's matches,
reads every matching row: tens to hundreds of milliseconds, more than the page itself. The count is
therefore taken over at most ``cap + 1`` rows (``SELECT count(*) FROM (... LIMIT n)``, which stops
early), or not counted at all where the number is known: a search's candidates (papers.selectors),
the unfiltered list and one topic, tag or source alone (the facet counts' stored totals,
papers.facets, one indexed row); past the cap ``count`` is the cap, ``count_capped`` is true, and
the pages end there (``next`` is null on the last page within the cap). The cap is
``SEARCH_COUNT_CAP`` for a search, which ranks a bounded candidate set of that size
(papers.selectors), so every page it links to exists; a list without a search pages through
``COUNT_CAP`` papers in its index order.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import InvalidPage, Paginator
from django.utils.functional import cached_property
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core_lib.pagination import StandardPagination
from papers.selectors import RANK_CANDIDATES

#: The most results a search reports and pages through: as many as it ranks.
SEARCH_COUNT_CAP = RANK_CANDIDATES
#: The most results a list without a search reports and pages through (200 pages of 50).
COUNT_CAP = 10_000
CAPPED_FIELD = "count_capped"


class CappedCountPaginator(Paginator):
    """Counts at most ``cap + 1`` rows; ``capped`` tells whether there were more.

    ``total``, when known without counting (a search's candidates, or the stored total of an
    unfiltered or single-filter list, papers.facets), is taken instead of counting.
    """

    cap = COUNT_CAP
    total: int | None = None

    @cached_property
    def _bounded_count(self) -> int:
        if self.total is not None:
            return min(self.total, self.cap + 1)
        # Only the ids: the page's columns and its rank are no part of the count.
        return int(self.object_list.bounded_count(self.cap + 1))

    @property
    def capped(self) -> bool:
        return self._bounded_count > self.cap

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return min(self._bounded_count, self.cap)

    # No page reaches past the cap: Paginator.page ends the last one at ``count``, which is at most
    # the cap (test_list's capped tests).


class PaperPagination(StandardPagination):
    #: Set by the view when the number of papers is known without counting (see CappedCountPaginator).
    total: int | None = None

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        """Pages a :class:`papers.selectors.PublicRows` (counted up to the cap): the page as its
        :class:`papers.selectors.JsonPage`, not a list of rows."""
        searching = bool(str(request.query_params.get("search", "")).strip())
        cap = SEARCH_COUNT_CAP if searching else COUNT_CAP
        # DRF's own steps but the last, which would turn the page into a list of rows.
        self.request = request
        paginator = CappedCountPaginator(queryset, self.get_page_size(request))
        paginator.cap, paginator.total = cap, self.total
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            raise NotFound(
                self.invalid_page_message.format(page_number=page_number, message=str(exc))
            ) from exc
        return self.page.object_list

    def requested_slice(self, request: Any) -> slice | None:
        """The rows of the page of a list without a search that ``request`` asks for by number, or
        None (``last``, not a number, or past the cap: the paginator's own answer, a 404 for those
        but ``last``)."""
        number = request.query_params.get(self.page_query_param, "1")
        if not number.isdigit() or not number.isascii() or int(number) < 1:
            return None
        size = self.get_page_size(request)
        start = (int(number) - 1) * size
        return slice(start, start + size) if start < COUNT_CAP else None

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data[CAPPED_FIELD] = self.page.paginator.capped
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"][CAPPED_FIELD] = {
            "type": "boolean",
            "description": f"True when more papers match than a list reports and pages through "
            f"({SEARCH_COUNT_CAP} for a search, {COUNT_CAP} otherwise): `count` is then that cap, not "
            "the number of matches.",
        }
        paginated["required"] = [*paginated.get("required", ["count", "results"]), CAPPED_FIELD]
        return paginated
