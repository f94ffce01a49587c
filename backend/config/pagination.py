"""The one pagination of every list endpoint: ``{count, next, previous, results}``, ``page_size`` ≤ 200."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (default 50, at most 200, larger values are clamped)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
