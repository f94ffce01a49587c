"""The error envelope's shape and the generic code of each bare HTTP status (re-exported by
:mod:`portfolio_shared.errors`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorEnvelope(BaseModel):
    """The JSON body of every error response, documented in every OpenAPI schema."""

    error: ErrorBody


def envelope(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the envelope as a plain dict."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


# Generic codes for bare HTTP statuses raised by frameworks (Starlette's HTTPException, DRF's APIException).
STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    502: "upstream_error",
    503: "service_unavailable",
    504: "upstream_timeout",
}


def code_for_status(status: int) -> str:
    return STATUS_CODES.get(status, "client_error" if status < 500 else "server_error")
