"""Throwaway Postgres databases for tests: unique names, dropped afterwards even when a test fails.

No pytest in here: a suite's ``conftest.py`` wraps these in fixtures of the scope it needs. Needs
the ``sql`` extra. The server comes from ``TEST_POSTGRES_URL`` (default: the local trust-auth one)::

    with temporary_database(prefix="test_portfolio_scraper") as url:
        run_migrations("portfolio_scraper:migrations", url)
        ...
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from portfolio_shared.health import DB_CONNECT_TIMEOUT_S, libpq_url
from portfolio_shared.sql.admin import create_database, drop_database
from portfolio_shared.sql.migrations import Action, run_migrations

DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_url() -> str:
    """The Postgres server tests use: ``TEST_POSTGRES_URL``, else the local default."""
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_SERVER_URL)


def database_url(base_url: str, name: str) -> str:
    """``base_url`` with its database replaced by ``name`` (credentials and query kept)."""
    return urlunsplit(urlsplit(base_url)._replace(path=f"/{name}"))


@contextmanager
def temporary_database(
    base_url: str | None = None, *, prefix: str = "test", create: bool = True
) -> Iterator[str]:
    """The URL of a uniquely named database on ``base_url``'s server, dropped on exit.

    ``base_url`` may name any database of the server (default :func:`server_url`). With
    ``create=False`` the database is only named, for code that must create it itself; it is
    dropped on exit all the same, connections still open to it included.
    """
    url = database_url(base_url or server_url(), f"{prefix}_{uuid.uuid4().hex[:10]}")
    try:
        if create:
            create_database(url)
        yield url
    finally:
        drop_database(url, force=True)


def public_tables(url: str) -> set[str]:
    """The names of the tables in the ``public`` schema of ``url``'s database."""
    with psycopg.connect(libpq_url(url), connect_timeout=DB_CONNECT_TIMEOUT_S) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {str(row[0]) for row in rows}


def migration_round_trip(alembic_ini_or_script_location: str, url: str) -> list[set[str]]:
    """Upgrade to head, downgrade to base, upgrade again; the public tables after each step.

    A clean history answers ``[tables, {"alembic_version"}, tables]``.
    """
    steps: list[tuple[Action, str]] = [("upgrade", "head"), ("downgrade", "base"), ("upgrade", "head")]
    seen = []
    for action, revision in steps:
        run_migrations(alembic_ini_or_script_location, url, action, revision)
        seen.append(public_tables(url))
    return seen


def run_module(
    module: str, *args: str, env: Mapping[str, str] | None = None, cwd: str | Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m module *args`` with this interpreter, ``env`` added to the environment; output captured."""
    return subprocess.run(  # noqa: S603 - our own interpreter running our own modules
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


__all__ = [
    "DEFAULT_SERVER_URL",
    "database_url",
    "migration_round_trip",
    "public_tables",
    "run_module",
    "server_url",
    "temporary_database",
]
