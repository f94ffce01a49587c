"""Readiness checks of the core service (listed in settings.READINESS_CHECKS)."""

from __future__ import annotations

from urllib.parse import quote

from django.db import connections

from portfolio_shared.health import ReadinessCheck, postgres_check


def database() -> ReadinessCheck:
    """Check the database Django is actually using (in tests, the test database)."""
    db = connections["default"].settings_dict
    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return postgres_check(f"postgresql://{auth}@{host}/{db['NAME']}")
