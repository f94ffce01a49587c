"""The exception tree of :mod:`portfolio_shared.errors`: each class carries its HTTP status and code."""

from __future__ import annotations

from typing import Any, ClassVar

from portfolio_shared.errors.envelope import envelope


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
