"""The one way a FastAPI service is assembled: logging, request ids, metrics, errors, probes.

:func:`create_service_app` gives every FastAPI service the same plumbing so ``main.py`` stays a
few lines: JSON logs tagged with the service, an ``X-Request-ID`` on every request and response,
Prometheus request metrics labelled by route template, the error envelope for every failure,
``GET /health`` (liveness), ``GET /ready`` (dependency checks) and ``GET /internal/metrics``.

A third, :class:`BodyGuardMiddleware`, caps request bodies (``MAX_REQUEST_BODY_KB``, 413 with the
envelope) and checks service auth before the body is read: FastAPI reads and parses a body before
it resolves any dependency, so without it an unauthenticated caller could make a service read a
100 MB POST before ``require_service`` refused it.

The middlewares are pure ASGI (no ``BaseHTTPMiddleware``): they do not buffer streaming bodies
and they pass websocket and lifespan scopes through untouched.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portfolio_shared.auth.authenticator import ServiceAuthenticator
from portfolio_shared.auth.fastapi import SERVICE_CALLERS_ATTR, get_authenticator
from portfolio_shared.errors import ErrorEnvelope, PayloadTooLarge, PortfolioError, ServiceUnavailable
from portfolio_shared.errors.fastapi import (
    document_error_envelope,
    install_error_handlers,
    internal_error_response,
    log_unhandled,
)
from portfolio_shared.health import ReadinessCheck, run_check
from portfolio_shared.log import REQUEST_ID_HEADER, accept_request_id, configure_logging, request_id_var
from portfolio_shared.metrics import (
    METRICS_PATH,
    QUIET_PATHS,
    UNMATCHED_ROUTE,
    observe_request,
    render_latest,
)
from portfolio_shared.settings import ServiceSettings
from portfolio_shared.tracing import configure_tracing, instrument_fastapi

access_logger = logging.getLogger("portfolio.access")


_HEADER_BYTES = REQUEST_ID_HEADER.lower().encode("latin-1")


class _Lifespan(Protocol):
    def __call__(self, app: FastAPI) -> AbstractAsyncContextManager[Any]: ...


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def log_access(method: str, path: str, status: int, started: float, request_id: str) -> None:
    """The access line of one request (``started``: its ``time.perf_counter()``)."""
    level = logging.DEBUG if path in QUIET_PATHS else logging.INFO
    if not access_logger.isEnabledFor(level):
        return
    access_logger.log(
        level,
        "%s %s %s",
        method,
        path,
        status,
        extra={
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "request_id": request_id,
        },
    )


class RequestIdMiddleware:
    """Sets the request id for the request, echoes it on the response, logs one access line.

    It also turns an exception that escaped every handler into the 500 envelope (logged with its
    traceback and request id) so the response still carries the request id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_request_id(_header(scope, _HEADER_BYTES))
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != _HEADER_BYTES]
                headers.append((_HEADER_BYTES, request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log_unhandled(exc, scope.get("method", ""), scope.get("path", ""))
            if response_started:
                raise  # too late for an envelope; the server closes the connection
            await internal_error_response()(scope, receive, send_with_id)
        finally:
            log_access(scope.get("method", ""), scope.get("path", ""), status, started, request_id)
            request_id_var.reset(token)


def route_template(scope: Scope, root_path: str = "") -> str:
    """The template of the route that handled ``scope`` (``/things/{id}``), or ``UNMATCHED_ROUTE``.

    ``root_path`` is the scope's root path before routing: a mount appends its prefix to it, and a
    route inside a mounted application knows only its path relative to the mount.
    """
    mount_prefix = str(scope.get("root_path", "")).removeprefix(root_path).rstrip("/")
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    if isinstance(template, str) and not isinstance(route, Mount):
        return mount_prefix + template or "/"
    if mount_prefix:
        # A mounted plain ASGI app: its inner paths are unknown, so the mount is the label.
        return mount_prefix + "/{path}"
    return UNMATCHED_ROUTE


class MetricsMiddleware:
    """Records ``http_requests_total`` and the latency histogram for every HTTP request."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        root_path = scope.get("root_path", "")
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            observe_request(
                self.service,
                route_template(scope, root_path),
                scope.get("method", ""),
                status,
                time.perf_counter() - started,
            )


#: Methods whose requests carry no body worth guarding: they go straight through.
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_UNPROTECTED = object()


class _BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a streamed body passes its cap. A Starlette ``HTTPException``
    because FastAPI re-raises those from its body parsing (any other error becomes a 400); it carries
    the :class:`PayloadTooLarge` that :func:`_body_too_large` answers."""

    def __init__(self, limit: int) -> None:
        self.error = PayloadTooLarge(max_bytes=limit)
        super().__init__(self.error.status, self.error.message)


async def _body_too_large(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, _BodyTooLarge)
    return JSONResponse(exc.error.to_envelope(), status_code=exc.error.status)


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for child in dependant.dependencies:
        yield from _dependants(child)


def _api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every ``APIRoute``, included routers' too (FastAPI >= 0.16x keeps those behind a wrapper
    holding ``original_router``)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (router := getattr(route, "original_router", None)) is not None:
            yield from _api_routes(router.routes)


def _service_callers(route: APIRoute) -> object:
    """The callers ``require_service`` allows on ``route`` (None: any service), or ``_UNPROTECTED``."""
    for dependant in _dependants(route.dependant):
        callers = getattr(dependant.call, SERVICE_CALLERS_ATTR, _UNPROTECTED)
        if callers is not _UNPROTECTED:
            return callers
    return _UNPROTECTED


async def _send_error(exc: PortfolioError, scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse(exc.to_envelope(), status_code=exc.status, headers=exc.headers or None)
    await response(scope, receive, send)


class BodyGuardMiddleware:
    """Caps request bodies and checks service auth before a byte of the body is read.

    - A body larger than its cap is refused with 413 ``payload_too_large``: at once when
      ``Content-Length`` says so, else as soon as the streamed bytes pass it. The cap is
      ``max_body_bytes``, or ``body_limits[path]`` for a route that takes more (an upload).
    - A request with a body to a route behind ``require_service`` is authenticated first, with
      the app's authenticator: 401/403 with the envelope, and the body is never read.
    """

    def __init__(
        self, app: ASGIApp, *, api: FastAPI, max_body_bytes: int, body_limits: Mapping[str, int] = {}
    ) -> None:
        self.app, self.api, self.max_body_bytes = app, api, max_body_bytes
        self.body_limits = dict(body_limits)
        # By id(route): routes are dataclasses (unhashable) in recent FastAPI, and live as long as the app.
        self._callers: dict[int, object] = {}

    def _route_callers(self, scope: Scope) -> object:
        for route in _api_routes(self.api.router.routes):
            if route.matches(scope)[0] is Match.FULL:
                if id(route) not in self._callers:
                    self._callers[id(route)] = _service_callers(route)
                return self._callers[id(route)]
        return _UNPROTECTED

    async def _authenticate(self, scope: Scope, callers: object) -> None:
        authenticator = getattr(self.api.state, "service_authenticator", None)
        if get_authenticator in self.api.dependency_overrides or not isinstance(
            authenticator, ServiceAuthenticator
        ):
            return  # tests replaced it, or none is set: the route's own dependency decides
        header = _header(scope, b"authorization")
        allowed = callers if isinstance(callers, frozenset) else None
        if authenticator.mode == "token":
            principal = authenticator.authenticate(header, allowed=allowed)
        else:  # oidc may fetch Google's certificates: off the event loop
            principal = await run_in_threadpool(authenticator.authenticate, header, allowed=allowed)
        # request.state: the route's require_service takes the caller from here, not verifying twice.
        scope.setdefault("state", {})["service_principal"] = principal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _BODYLESS:
            await self.app(scope, receive, send)
            return
        limit = self.body_limits.get(scope["path"], self.max_body_bytes)
        try:
            callers = self._route_callers(scope)
            if callers is not _UNPROTECTED:
                await self._authenticate(scope, callers)
            declared = _header(scope, b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise PayloadTooLarge(max_bytes=limit)
        except PortfolioError as exc:
            await _send_error(exc, scope, receive, send)
            return

        received = 0

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge(limit)
            return message

        await self.app(scope, capped_receive, send)


def probe_router(service: str, checks: Sequence[ReadinessCheck]) -> APIRouter:
    """``/health``, ``/ready`` and ``/internal/metrics``."""
    router = APIRouter(tags=["probes"])
    ready_checks = tuple(checks)

    @router.get("/health", summary="Liveness: the process answers (no dependency is checked)")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @router.get(
        "/ready",
        summary="Readiness: every dependency answers",
        responses={503: {"model": ErrorEnvelope, "description": "A dependency check failed."}},
    )
    async def ready() -> dict[str, Any]:
        results = await asyncio.gather(*(run_check(check) for check in ready_checks))
        report = {
            check.name: {"ok": ok, "detail": detail}
            for check, (ok, detail) in zip(ready_checks, results, strict=True)
        }
        failed = sorted(name for name, result in report.items() if not result["ok"])
        if failed:
            raise ServiceUnavailable(
                f"Not ready: {', '.join(failed)} failed.",
                code="not_ready",
                details={"checks": report},
            )
        return {"status": "ready", "service": service, "checks": report}

    @router.get(METRICS_PATH, include_in_schema=False)
    def metrics() -> Response:
        # A plain def runs in the thread pool: scrape-time collectors (outbox backlog, queue depth)
        # query Postgres or Redis, which must not block the event loop.
        body, content_type = render_latest()
        return Response(content=body, media_type=content_type)

    return router


def create_service_app(
    *,
    service: str,
    settings: ServiceSettings,
    title: str,
    version: str = "0.1.0",
    description: str = "",
    checks: Sequence[ReadinessCheck] = (),
    lifespan: _Lifespan | None = None,
    routers: Iterable[APIRouter] = (),
    body_limits: Mapping[str, int] | None = None,
) -> FastAPI:
    """A FastAPI app with the shared plumbing; ``routers`` are included after the probes.

    Request bodies are capped at ``settings.max_request_body_kb`` KiB; ``body_limits`` gives
    routes that take more (``{path: bytes}``, e.g. an upload) their own cap.

    ``/ready`` answers 200 ``{"status": "ready", "service", "checks": {name: {ok, detail}}}`` or 503
    with the envelope (code ``not_ready``, ``details.checks`` the same report).
    """
    configure_logging(service, settings.log_level)
    configure_tracing(service)  # only when OTEL_EXPORTER_OTLP_ENDPOINT is set
    # RequestIdMiddleware writes the access line (with duration and request id); uvicorn's would repeat it.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    app = FastAPI(
        title=title,
        version=version,
        description=description,
        lifespan=lifespan,
        default_response_class=JSONResponse,
    )
    install_error_handlers(app)
    app.add_exception_handler(_BodyTooLarge, _body_too_large)
    document_error_envelope(app)
    # Innermost: its 401/413 answers still get the request id, the access line and the metrics.
    app.add_middleware(
        BodyGuardMiddleware,
        api=app,
        max_body_bytes=settings.max_request_body_kb * 1024,
        body_limits=body_limits or {},
    )
    # Added last = outermost: the request id is set before metrics and handlers run.
    app.add_middleware(MetricsMiddleware, service=service)
    app.add_middleware(RequestIdMiddleware)
    app.include_router(probe_router(service, checks))
    for router in routers:
        app.include_router(router)
    app.state.service = service
    app.state.settings = settings
    # Outermost, so the access log line and every handler run inside the request's server span.
    instrument_fastapi(app)
    return app


__all__ = [
    "QUIET_PATHS",
    "BodyGuardMiddleware",
    "MetricsMiddleware",
    "RequestIdMiddleware",
    "create_service_app",
    "probe_router",
    "route_template",
]
