"""Pagination of the papers list: a search page also gives its total count, in the same query.

A ranked search reads every match anyway (to rank them), so ``COUNT(*) OVER ()`` on the page query
costs nothing, where a separate ``COUNT(*)`` would read every match a second time. The plain list
keeps the separate count: its page comes from an index in a few rows, and a window would force
reading them all.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, QuerySet, Window

from config.pagination import StandardPagination

TOTAL = "total_count"
#: Past this row no page can exist (and its offset would overflow Postgres' bigint): a 404 at once.
MAX_OFFSET = 2**53


def with_total(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """``queryset`` annotated with the count of all its rows (read by :class:`TotalInRowPaginator`)."""
    return queryset.annotate(**{TOTAL: Window(Count("*"))})


class TotalInRowPaginator(Paginator):
    """Takes ``count`` from the page's rows when they carry it (see :func:`with_total`)."""

    def page(self, number: Any) -> Page:
        if TOTAL not in getattr(self.object_list, "query", None).annotations:  # type: ignore[union-attr]
            return super().page(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        bottom = (number - 1) * self.per_page
        if bottom > MAX_OFFSET:
            raise EmptyPage("That page contains no results")
        rows = list(self.object_list[bottom : bottom + self.per_page])
        # Past the end the page is empty and carries no count: ask for it.
        self.__dict__["count"] = rows[0][TOTAL] if rows else self.object_list.count()
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        return self._get_page(rows, number, self)


class PaperPagination(StandardPagination):
    django_paginator_class = TotalInRowPaginator
