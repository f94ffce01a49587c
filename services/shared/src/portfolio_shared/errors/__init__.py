"""The one error envelope every service answers with.

Every error body is ``{"error": {"code": str, "message": str, "details": {...}}}``. An exception
carries its HTTP status and a stable machine-readable ``code``; the framework handlers in
:mod:`portfolio_shared.errors.fastapi` and :mod:`portfolio_shared.errors.drf` turn it into the
envelope. Exception tree::

    PortfolioError (500 internal_error)
    ├── BadRequest (400 bad_request)
    │   └── ValidationFailed (422 validation_error)
    ├── Unauthorized (401 unauthorized)
    │   ├── WebhookVerificationError (401, code per failure: webhook_missing_header, ...)
    │   └── AuthenticationFailed (401, code per failure: token_missing, token_expired, ...)
    ├── Forbidden (403 forbidden)
    ├── NotFound (404 not_found)
    ├── MethodNotAllowed (405 method_not_allowed)
    ├── Conflict (409 conflict)
    ├── PayloadTooLarge (413 payload_too_large; details.max_bytes)
    ├── RateLimited (429 rate_limited; Retry-After)
    ├── UpstreamError (502 upstream_error)
    └── ServiceUnavailable (503 service_unavailable; Retry-After)
"""

from __future__ import annotations

from typing import Any, ClassVar

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


class PortfolioError(Exception):
    """Base of every error a service answers deliberately. Subclasses set ``status`` and ``code``."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    default_message: ClassVar[str] = "Internal server error."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.error_code = code or self.code
        self.details = details or {}
        self.headers = headers or {}
        super().__init__(self.message)

    def to_envelope(self) -> dict[str, Any]:
        return envelope(self.error_code, self.message, self.details)


class BadRequest(PortfolioError):
    status = 400
    code = "bad_request"
    default_message = "The request is malformed."


class ValidationFailed(BadRequest):
    status = 422
    code = "validation_error"
    default_message = "The request did not validate."


class Unauthorized(PortfolioError):
    status = 401
    code = "unauthorized"
    default_message = "Authentication is required."


class WebhookVerificationError(Unauthorized):
    """A webhook that fails verification. ``code`` names the failure (see portfolio_shared.webhooks)."""

    code = "webhook_invalid"
    default_message = "The webhook could not be verified."


class AuthenticationFailed(Unauthorized):
    """A service-to-service token that fails verification; ``code`` names the failure."""

    code = "authentication_failed"
    default_message = "The service token is not valid."


class Forbidden(PortfolioError):
    status = 403
    code = "forbidden"
    default_message = "You may not do this."


class NotFound(PortfolioError):
    status = 404
    code = "not_found"
    default_message = "Not found."


class MethodNotAllowed(PortfolioError):
    status = 405
    code = "method_not_allowed"
    default_message = "Method not allowed."


class Conflict(PortfolioError):
    status = 409
    code = "conflict"
    default_message = "The request conflicts with the current state."


class PayloadTooLarge(PortfolioError):
    """Every service's one 413: code ``payload_too_large``, the cap in ``details.max_bytes``."""

    status = 413
    code = "payload_too_large"
    default_message = "The request body is too large."

    def __init__(self, message: str | None = None, *, max_bytes: int | None = None, **kwargs: Any) -> None:
        if max_bytes is not None:
            kwargs["details"] = {**(kwargs.get("details") or {}), "max_bytes": max_bytes}
            message = message or f"The request body may hold at most {max_bytes} bytes."
        super().__init__(message, **kwargs)


class RateLimited(PortfolioError):
    status = 429
    code = "rate_limited"
    default_message = "Too many requests."

    def __init__(self, message: str | None = None, *, retry_after: int = 1, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.headers.setdefault("Retry-After", str(retry_after))


class UpstreamError(PortfolioError):
    status = 502
    code = "upstream_error"
    default_message = "An upstream service answered with an error."


class ServiceUnavailable(PortfolioError):
    status = 503
    code = "service_unavailable"
    default_message = "A dependency is unavailable."

    def __init__(self, message: str | None = None, *, retry_after: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        if retry_after is not None:
            self.headers.setdefault("Retry-After", str(retry_after))


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


__all__ = [
    "STATUS_CODES",
    "AuthenticationFailed",
    "BadRequest",
    "Conflict",
    "ErrorBody",
    "ErrorEnvelope",
    "Forbidden",
    "MethodNotAllowed",
    "NotFound",
    "PayloadTooLarge",
    "PortfolioError",
    "RateLimited",
    "ServiceUnavailable",
    "Unauthorized",
    "UpstreamError",
    "ValidationFailed",
    "WebhookVerificationError",
    "code_for_status",
    "envelope",
]
