"""Bodies of ``/health`` (liveness) and ``/ready`` (readiness) on every service."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from portfolio_shared.schemas._base import ResponseModel


class CheckResult(ResponseModel):
    """Outcome of one readiness check (``detail`` says what failed, or what answered)."""

    ok: bool
    detail: str | None = None


class HealthResponse(ResponseModel):
    """``GET /health``: the process answers; no dependency is checked."""

    status: Literal["ok"] = "ok"
    service: str | None = None
    checks: dict[str, CheckResult] = Field(default_factory=dict)


class ReadyResponse(ResponseModel):
    """``GET /ready``: every dependency by name. A not-ready service answers 503 with the error
    envelope whose ``details.checks`` holds the same mapping; clients turn both into this model."""

    status: Literal["ready", "not_ready"]
    checks: dict[str, CheckResult] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the service is ready."""
        return self.status == "ready"
