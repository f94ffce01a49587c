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

from portfolio_shared.errors.envelope import STATUS_CODES, ErrorBody, ErrorEnvelope, code_for_status, envelope
from portfolio_shared.errors.exceptions import (
    AuthenticationFailed,
    BadRequest,
    Conflict,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    PortfolioError,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    UpstreamError,
    ValidationFailed,
    WebhookVerificationError,
)

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
