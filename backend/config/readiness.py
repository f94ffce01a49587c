"""Readiness checks of the core service (listed in settings.READINESS_CHECKS)."""

from __future__ import annotations

from django.db import connections
from psycopg.conninfo import make_conninfo

from portfolio_shared.health import ReadinessCheck, postgres_check


def database() -> ReadinessCheck:
    """Check the database Django is actually using (in tests, the test database).

    The connection parameters are the ones Django itself hands to psycopg, so every form of
    ``DATABASE_URL`` reaches the same server: a host and port, a socket directory in the host part,
    or Cloud SQL's ``postgresql://u:p@/db?host=/cloudsql/<instance>`` (``host`` in OPTIONS).
    """
    params = connections["default"].get_connection_params()
    # Django also passes Python objects (cursor factory, adapters map): only libpq's own keywords.
    conninfo = {k: v for k, v in params.items() if isinstance(v, str | int) and not isinstance(v, bool)}
    return postgres_check(make_conninfo(**conninfo))
