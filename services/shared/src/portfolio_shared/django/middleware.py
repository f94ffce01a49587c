"""Request-id and metrics middleware for Django (the FastAPI twins live in portfolio_shared.fastapi_app)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import resolve

from portfolio_shared.log import REQUEST_ID_HEADER, accept_request_id, log_format, request_id_var
from portfolio_shared.metrics import QUIET_PATHS, UNMATCHED_ROUTE, observe_request
from portfolio_shared.webhooks import ID_HEADER as WEBHOOK_ID_HEADER

access_log = logging.getLogger("portfolio.access")

_META_KEY = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")


def _access_level(request: HttpRequest) -> int:
    """DEBUG for probes and metrics scrapes, and on a developer's terminal (``LOG_FORMAT=console``) for
    webhook deliveries too (one per indexed document: see ``portfolio_shared.log``); INFO otherwise."""
    if request.path in QUIET_PATHS:
        return logging.DEBUG
    if WEBHOOK_ID_HEADER in request.headers and log_format() == "console":
        return logging.DEBUG
    return logging.INFO


class RequestIdMiddleware:
    """Adopt or mint the request id, expose it to logs and outbound clients, echo it, log the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accept_request_id(request.META.get(_META_KEY))
        token = request_id_var.set(request_id)
        start = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            access_log.log(
                _access_level(request),
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 2),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class MetricsMiddleware:
    """Count and time every request by its URL pattern (not the raw path, to keep labels bounded)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.service = getattr(settings, "SERVICE_NAME", "core")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = "/" + match.route if match is not None and match.route else UNMATCHED_ROUTE
        observe_request(
            self.service, route, request.method or "GET", response.status_code, time.perf_counter() - start
        )
        return response


class ProbeMiddleware:
    """Answers ``GET /health``, ``/ready`` and ``/internal/metrics`` before host validation and
    the HTTPS redirect run.

    Probes and metric scrapes reach the container by address (Cloud Run's startup and liveness
    probes, a kubelet, a Prometheus sidecar on ``localhost``), with a ``Host`` that is no public
    name in ``ALLOWED_HOSTS`` and without ``X-Forwarded-Proto``: Django would refuse them 400 or
    redirect them. Put it after the request-id and metrics middleware, before Django's own.
    """

    PATHS = frozenset({"/health", "/ready", "/internal/metrics"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info not in self.PATHS or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        # The view the URLconf names, resolved here so the metrics keep their route label.
        request.resolver_match = resolve(request.path_info)
        response: HttpResponse = request.resolver_match.func(request)
        return response
