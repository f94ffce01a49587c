"""Readiness checks of the core service (listed in settings.READINESS_CHECKS)."""

from __future__ import annotations

from config.env import get_settings
from portfolio_shared.health import ReadinessCheck, postgres_check


def database() -> ReadinessCheck:
    return postgres_check(get_settings().database_url or "")
