"""Health, readiness and metrics views, and JSON error pages, for Django services.

Readiness checks are the same :class:`portfolio_shared.health.ReadinessCheck` callables the
FastAPI services use, listed in ``settings.READINESS_CHECKS`` as dotted paths of factories.
``settings.PROBE_CACHE_SECONDS`` (default 0) lets ``/ready`` and ``/internal/metrics`` reuse their
last answer that long in a process.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET

from portfolio_shared.errors import envelope
from portfolio_shared.health import CheckResult, ReadinessCheck, run_check
from portfolio_shared.metrics import render_latest

logger = logging.getLogger("portfolio.health")
T = TypeVar("T")


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No dependency is checked."""
    return JsonResponse({"status": "ok", "service": getattr(settings, "SERVICE_NAME", "core")})


def _checks() -> list[ReadinessCheck]:
    return [import_string(path)() for path in getattr(settings, "READINESS_CHECKS", [])]


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: every dependency answers; 503 with the envelope listing the failing checks.

    Public wherever the service is public, so it is cheap and says little: the checks run at most
    once per ``PROBE_CACHE_SECONDS`` in a process, and a failure is named by its kind only (the
    exception's class, or a timeout); its message, which may name hosts and users, goes to the log.
    """
    status, body = _probe_cache.get("ready", _run_ready)
    return JsonResponse(body, status=status)


def _run_ready() -> tuple[int, dict[str, Any]]:
    checks = _checks()

    async def run_all() -> list[CheckResult]:
        return list(await asyncio.gather(*(run_check(check) for check in checks)))

    results = asyncio.run(run_all())
    body: dict[str, Any] = {}
    for check, (ok, detail) in zip(checks, results, strict=True):
        if not ok:
            logger.warning("readiness check %s failed: %s", check.name, detail)
        body[check.name] = {"ok": ok, "detail": "ok" if ok else detail.split(":", 1)[0]}
    if all(ok for ok, _ in results):
        return 200, {"status": "ready", "checks": body}
    return 503, envelope("not_ready", "A dependency is not ready.", {"checks": body})


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition, rendered at most once per ``PROBE_CACHE_SECONDS`` in a process (some
    gauges read the database at scrape time, and the page is reachable from the public host)."""
    payload, content_type = _probe_cache.get("metrics", render_latest)
    return HttpResponse(payload, content_type=content_type)


class _ProbeCache:
    """The last answer of each probe view in this process, reused for ``PROBE_CACHE_SECONDS``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[str, tuple[float, Any]] = {}

    def get(self, name: str, compute: Callable[[], T]) -> T:
        seconds = float(getattr(settings, "PROBE_CACHE_SECONDS", 0))
        with self._lock:  # one computation at a time: a burst waits for it instead of repeating it
            now = time.monotonic()
            cached = self._answers.get(name)
            if cached is not None and now - cached[0] < seconds:
                return cast(T, cached[1])
            answer = compute()
            self._answers[name] = (time.monotonic(), answer)
            return answer

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()


_probe_cache = _ProbeCache()


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse(envelope(code, message), status=status)


def handler400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _error("bad_request", "The request is malformed.", 400)


def handler403(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _error("forbidden", "You may not do this.", 403)


def handler404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _error("not_found", f"No route matches {request.path}.", 404)


def handler500(request: HttpRequest) -> JsonResponse:
    return _error("internal_error", "Internal server error.", 500)
