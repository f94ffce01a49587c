"""Health, readiness and metrics views, and JSON error pages, for Django services.

Readiness checks are the same :class:`portfolio_shared.health.ReadinessCheck` callables the
FastAPI services use, listed in ``settings.READINESS_CHECKS`` as dotted paths of factories.
"""

from __future__ import annotations

import asyncio
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET

from portfolio_shared.errors import envelope
from portfolio_shared.health import CheckResult, ReadinessCheck, run_check
from portfolio_shared.metrics import render_latest


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No dependency is checked."""
    return JsonResponse({"status": "ok", "service": getattr(settings, "SERVICE_NAME", "core")})


def _checks() -> list[ReadinessCheck]:
    return [import_string(path)() for path in getattr(settings, "READINESS_CHECKS", [])]


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: every dependency answers; 503 with the envelope listing the failing checks."""
    checks = _checks()

    async def run_all() -> list[CheckResult]:
        return list(await asyncio.gather(*(run_check(check) for check in checks)))

    results = asyncio.run(run_all())
    body: dict[str, Any] = {
        check.name: {"ok": ok, "detail": detail} for check, (ok, detail) in zip(checks, results, strict=True)
    }
    if all(ok for ok, _ in results):
        return JsonResponse({"status": "ready", "checks": body})
    return JsonResponse(envelope("not_ready", "A dependency is not ready.", {"checks": body}), status=503)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition."""
    payload, content_type = render_latest()
    return HttpResponse(payload, content_type=content_type)


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
