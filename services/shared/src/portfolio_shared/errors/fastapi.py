"""FastAPI handlers that turn every error into the one envelope.

:func:`install_error_handlers` makes sure a FastAPI service never answers an HTML page or a bare
string: deliberate errors (:class:`~portfolio_shared.errors.PortfolioError`), Starlette's own
``HTTPException`` (unknown route, wrong method, ...), request validation errors, malformed JSON
bodies and unexpected exceptions all become ``{"error": {"code", "message", "details"}}`` with the
right status. :data:`ERROR_RESPONSES` and :func:`error_responses` document the same envelope in
each route's OpenAPI ``responses``; :func:`document_error_envelope` replaces FastAPI's own 422
schema by the envelope everywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from portfolio_shared.errors import ErrorEnvelope, PortfolioError, code_for_status, envelope

logger = logging.getLogger("portfolio.errors")

INTERNAL_ERROR_MESSAGE = "Internal server error."

_DESCRIPTIONS: dict[int, str] = {
    400: "Malformed request (for example a body that is not valid JSON).",
    401: "Missing or invalid credentials.",
    403: "Authenticated but not allowed.",
    404: "Not found.",
    409: "Conflicts with the current state.",
    413: "Request body too large (`payload_too_large`; `details.max_bytes` is the cap).",
    422: "The request did not validate; `details.errors` lists each field error.",
    429: "Too many requests; see `Retry-After`.",
    500: "Unexpected server error.",
    502: "An upstream service failed.",
    503: "A dependency is unavailable.",
}

#: OpenAPI ``responses`` entries, one per status, all with the :class:`ErrorEnvelope` body.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": description}
    for status, description in _DESCRIPTIONS.items()
}

# Validation error keys kept in the envelope; ``input`` is dropped so a huge body is never echoed.
_ERROR_KEYS = ("loc", "msg", "type")


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The :data:`ERROR_RESPONSES` entries for ``statuses``, for a route's ``responses=``."""
    return {status: ERROR_RESPONSES[status] for status in statuses}


def error_response(
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A JSON response carrying the envelope."""
    return JSONResponse(envelope(code, message, details), status_code=status, headers=headers)


def internal_error_response() -> JSONResponse:
    """The 500 answered for an unexpected exception: generic, never the exception's own message."""
    return error_response(500, "internal_error", INTERNAL_ERROR_MESSAGE)


def log_unhandled(exc: BaseException, method: str, path: str) -> None:
    """Log an unexpected exception with its traceback (the request id comes from the context)."""
    logger.error(
        "unhandled %s on %s %s",
        type(exc).__name__,
        method,
        path,
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={"method": method, "path": path},
    )


async def _portfolio_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PortfolioError)
    if exc.status >= 500:
        logger.warning("%s on %s %s: %s", exc.error_code, request.method, request.url.path, exc.message)
    return JSONResponse(exc.to_envelope(), status_code=exc.status, headers=exc.headers or None)


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    details: dict[str, Any] = {}
    if isinstance(exc.detail, str) and exc.detail:
        message = exc.detail
    else:
        message = code_for_status(exc.status_code).replace("_", " ").capitalize() + "."
        if exc.detail:
            details = {"detail": exc.detail}
    if exc.status_code == 404 and message == "Not Found":
        message = f"No route matches {request.method} {request.url.path}."
    elif exc.status_code == 405 and message == "Method Not Allowed":
        message = f"{request.method} is not allowed on {request.url.path}."
    return error_response(exc.status_code, code_for_status(exc.status_code), message, details, exc.headers)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [{key: error[key] for key in _ERROR_KEYS if key in error} for error in exc.errors()]


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    json_error = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if json_error is not None:
        # FastAPI reports a body that is not JSON as a 422; a client expects "bad JSON" to be a 400.
        loc = json_error.get("loc", ())
        details = {"position": loc[-1] if loc else None, "error": json_error.get("ctx", {}).get("error")}
        return error_response(400, "invalid_json", "The request body is not valid JSON.", details)
    return error_response(
        422, "validation_error", "The request did not validate.", {"errors": _field_errors(exc)}
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    log_unhandled(exc, request.method, request.url.path)
    return internal_error_response()


def install_error_handlers(app: FastAPI) -> None:
    """Register the envelope handlers on ``app`` (PortfolioError, HTTPException, validation, any other)."""
    app.add_exception_handler(PortfolioError, _portfolio_error)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
    # A backstop: Starlette's ServerErrorMiddleware calls this (and re-raises) for an exception that
    # escapes every other layer; the request-id middleware of create_service_app catches first.
    app.add_exception_handler(Exception, _unhandled)


def _replace_validation_refs(node: Any, ref: str) -> Any:
    if isinstance(node, dict):
        if node.get("$ref") == "#/components/schemas/HTTPValidationError":
            return {"$ref": ref}
        return {key: _replace_validation_refs(value, ref) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace_validation_refs(item, ref) for item in node]
    return node


def document_error_envelope(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI document the envelope: 422s use it and every operation lists a 500."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            servers=app.servers,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        envelope_schema = ErrorEnvelope.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(envelope_schema.pop("$defs", {}))
        components["ErrorEnvelope"] = envelope_schema
        ref = "#/components/schemas/ErrorEnvelope"
        schema["paths"] = _replace_validation_refs(schema.get("paths", {}), ref)
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.setdefault(
                    "500",
                    {
                        "description": _DESCRIPTIONS[500],
                        "content": {"application/json": {"schema": {"$ref": ref}}},
                    },
                )
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    setattr(app, "openapi", openapi)  # noqa: B010 - FastAPI's documented way to customise the schema


__all__: list[str] = [
    "ERROR_RESPONSES",
    "INTERNAL_ERROR_MESSAGE",
    "document_error_envelope",
    "error_response",
    "error_responses",
    "install_error_handlers",
    "internal_error_response",
    "log_unhandled",
]
