"""Turn a peer's failure into the shared exception a caller expects.

An error answer keeps the peer's envelope (``code``, ``message``, ``details``) and becomes the
:class:`~portfolio_shared.errors.PortfolioError` subclass of its status; any 5xx becomes
:class:`~portfolio_shared.errors.UpstreamError`. A peer that cannot be reached becomes
:class:`~portfolio_shared.errors.ServiceUnavailable` naming the service.
"""

from __future__ import annotations

import math
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from portfolio_shared.clients.wire import retry_after
from portfolio_shared.errors import (
    BadRequest,
    Conflict,
    ErrorEnvelope,
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
    code_for_status,
)

ModelT = TypeVar("ModelT", bound=BaseModel)

UPSTREAM_UNREACHABLE = "upstream_unreachable"
UPSTREAM_TIMEOUT = "upstream_timeout"
UPSTREAM_CONNECTION_ERROR = "upstream_connection_error"
UPSTREAM_INVALID_RESPONSE = "upstream_invalid_response"
UPSTREAM_UNEXPECTED_STATUS = "upstream_unexpected_status"

_BY_STATUS: dict[int, type[PortfolioError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    413: PayloadTooLarge,
    422: ValidationFailed,
    429: RateLimited,
}


def _envelope(response: httpx.Response) -> ErrorEnvelope | None:
    try:
        return ErrorEnvelope.model_validate_json(response.content)
    except ValidationError:
        return None


def error_from_response(service: str, response: httpx.Response) -> PortfolioError:
    """The exception for a non-success ``response`` of ``service`` (its body must have been read)."""
    status = response.status_code
    parsed = _envelope(response)
    if parsed is not None:
        code, message, details = parsed.error.code, parsed.error.message, parsed.error.details
    else:
        code = code_for_status(status) if status >= 400 else UPSTREAM_UNEXPECTED_STATUS
        message = f"{service} answered HTTP {status} without an error envelope."
        details = {"service": service, "status": status}
    wait = retry_after(response)
    headers = {"Retry-After": str(math.ceil(wait))} if wait is not None else {}

    exc: PortfolioError
    if status == 429:
        exc = RateLimited(
            message, retry_after=math.ceil(wait or 1), code=code, details=details, headers=headers
        )
    elif status in _BY_STATUS:
        exc = _BY_STATUS[status](message, code=code, details=details, headers=headers)
    elif 400 <= status < 500:
        exc = BadRequest(message, code=code, details=details, headers=headers)
    else:
        exc = UpstreamError(message, code=code, details=details, headers=headers)
    exc.add_note(f"{service} answered {response.request.method} {response.request.url} with HTTP {status}")
    return exc


def error_from_transport(service: str, base_url: str, exc: httpx.TransportError) -> ServiceUnavailable:
    """The exception for a request to ``service`` that got no answer."""
    reason = str(exc) or type(exc).__name__
    details = {"service": service, "reason": reason}
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return ServiceUnavailable(
            f"The {service} service is unreachable at {base_url}.", code=UPSTREAM_UNREACHABLE, details=details
        )
    if isinstance(exc, httpx.TimeoutException):
        return ServiceUnavailable(
            f"The {service} service did not answer in time.", code=UPSTREAM_TIMEOUT, details=details
        )
    return ServiceUnavailable(
        f"The connection to the {service} service failed.", code=UPSTREAM_CONNECTION_ERROR, details=details
    )


def parse_model(service: str, response: httpx.Response, model: type[ModelT]) -> ModelT:
    """``response``'s JSON body as ``model``; an unexpected body is the peer's fault (UpstreamError)."""
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise UpstreamError(
            f"The {service} service answered with a body that is not a valid {model.__name__}.",
            code=UPSTREAM_INVALID_RESPONSE,
            details={"errors": exc.errors(include_url=False, include_context=False, include_input=False)},
        ) from None
