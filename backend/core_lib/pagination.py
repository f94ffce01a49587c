"""The one pagination of every list endpoint: ``{count, next, previous, results}``, ``page_size`` ≤ 200."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from portfolio_shared.errors import ValidationFailed


class StandardPagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (default 50, at most 200, larger values are clamped).

    A ``page_size`` that is not a positive integer is refused (422), as its schema says; a ``page``
    that is not a page of the list (not a positive integer, or past the end) is a 404.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request: Request, paginator: Any) -> Any:
        # DRF reads ``?page=`` as page 1; present but empty, it is no page number: the paginator's 404.
        number = request.query_params.get(self.page_query_param)
        if number is None:
            return 1
        return paginator.num_pages if number in self.last_page_strings else number

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationFailed(
                "'page_size' must be a positive integer",
                code="invalid_parameter",
                details={"parameter": self.page_size_query_param, "value": raw},
            )
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page (default {self.page_size}; larger than {self.max_page_size} "
                    f"gives {self.max_page_size})."
                )
        return parameters
