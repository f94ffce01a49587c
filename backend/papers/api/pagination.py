"""Pagination of the papers list: ``count`` is capped, and says so in ``count_capped``.

At a year of papers (~200,000) an exact ``COUNT(*)`` of the list, or of a common term's matches,
reads every matching row: tens to hundreds of milliseconds, more than the page itself. The count is
therefore taken over at most ``COUNT_CAP + 1`` rows (``SELECT count(*) FROM (... LIMIT n)``, which
stops early); past the cap ``count`` is ``COUNT_CAP``, ``count_capped`` is true, and the pages end
there (``next`` is null on the last page within the cap). A search ranks a bounded candidate set of
the same size (papers.selectors), so every page it links to exists.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.response import Response

from config.pagination import StandardPagination
from papers.selectors import RANK_CANDIDATES

#: The most results a list or search reports and pages through: as many as a search ranks.
COUNT_CAP = RANK_CANDIDATES
CAPPED_FIELD = "count_capped"


class CappedCountPaginator(Paginator):
    """Counts at most ``COUNT_CAP + 1`` rows; ``capped`` tells whether there were more."""

    @cached_property
    def _bounded_count(self) -> int:
        # Only the ids: the page's columns and its rank are no part of the count.
        return int(self.object_list.order_by().values("pk")[: COUNT_CAP + 1].count())

    @property
    def capped(self) -> bool:
        return self._bounded_count > COUNT_CAP

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return min(self._bounded_count, COUNT_CAP)

    def page(self, number: Any) -> Any:
        page = super().page(number)
        # The last page within the cap may hold rows past it; cut them.
        page.object_list = list(page.object_list)[: max(0, COUNT_CAP - page.start_index() + 1)]
        return page


class PaperPagination(StandardPagination):
    django_paginator_class = CappedCountPaginator

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data[CAPPED_FIELD] = self.page.paginator.capped
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"][CAPPED_FIELD] = {
            "type": "boolean",
            "description": f"True when more than {COUNT_CAP} papers match: `count` is then {COUNT_CAP} "
            "(the most a list reports and pages through), not the number of matches.",
        }
        paginated["required"] = [*paginated.get("required", ["count", "results"]), CAPPED_FIELD]
        return paginated
