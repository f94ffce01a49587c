"""DRF exception handler rendering every error as the shared envelope.

Set ``REST_FRAMEWORK["EXCEPTION_HANDLER"] = "portfolio_shared.errors.drf.exception_handler"``.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

from portfolio_shared.errors import PortfolioError, code_for_status, envelope

logger = logging.getLogger("portfolio.errors")

# DRF's own codes that name the failure better than the status alone.
_DRF_CODES = {
    drf_exceptions.ParseError: "invalid_json",
    drf_exceptions.NotAuthenticated: "unauthorized",
    drf_exceptions.AuthenticationFailed: "authentication_failed",
    drf_exceptions.PermissionDenied: "forbidden",
    drf_exceptions.NotFound: "not_found",
    drf_exceptions.MethodNotAllowed: "method_not_allowed",
    drf_exceptions.NotAcceptable: "not_acceptable",
    drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
    drf_exceptions.Throttled: "rate_limited",
    drf_exceptions.ValidationError: "validation_error",
}


def _validation_details(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {
            "fields": {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
        }
    if isinstance(detail, list):
        return {"errors": [str(m) for m in detail]}
    return {"errors": [str(detail)]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Turn any exception raised in a DRF view into the envelope with the right status."""
    if isinstance(exc, PortfolioError):
        return Response(exc.to_envelope(), status=exc.status, headers=exc.headers)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    if isinstance(exc, drf_exceptions.APIException):
        status = exc.status_code
        code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), code_for_status(status))
        headers: dict[str, str] = {}
        if isinstance(exc, drf_exceptions.ValidationError):
            # DRF's validation errors are 400; the contract answers 422 for a body that does not validate.
            status = 422
            body = envelope(code, "The request did not validate.", _validation_details(exc.detail))
        else:
            message = str(exc.detail) if not isinstance(exc.detail, list | dict) else str(exc.default_detail)
            body = envelope(code, message)
        wait = getattr(exc, "wait", None)  # set on Throttled only
        if wait is not None:
            headers["Retry-After"] = str(math.ceil(wait))
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
        if isinstance(exc, drf_exceptions.MethodNotAllowed):
            view = context.get("view")
            if view is not None:
                headers["Allow"] = ", ".join(view.allowed_methods)
        return Response(body, status=status, headers=headers)
    logger.exception("unhandled error in %s", context.get("view").__class__.__name__)
    return Response(envelope("internal_error", "Internal server error."), status=500)
