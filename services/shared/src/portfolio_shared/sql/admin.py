"""Create, drop and look for a Postgres database through the server's maintenance database.

``CREATE DATABASE`` and ``DROP DATABASE`` cannot run inside a transaction or while connected to the
database itself, so each call opens its own autocommit connection to the ``postgres`` database of
the same server, with the same credentials. psycopg only: no SQLAlchemy engine is needed for this.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from portfolio_shared.health import DB_CONNECT_TIMEOUT_S, libpq_url, redact_url

MAINTENANCE_DATABASE = "postgres"


def database_name(database_url: str) -> str:
    """The database ``database_url`` names; ``ValueError`` when it names none."""
    name = conninfo_to_dict(libpq_url(database_url)).get("dbname")
    if not name:
        raise ValueError(f"the database URL names no database: {redact_url(database_url)}")
    return str(name)


@contextmanager
def _maintenance(database_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    conninfo = make_conninfo(libpq_url(database_url), dbname=MAINTENANCE_DATABASE)
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=DB_CONNECT_TIMEOUT_S) as conn:
        yield conn


def _exists(conn: psycopg.Connection[tuple[object, ...]], name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def database_exists(database_url: str) -> bool:
    """Whether the database of ``database_url`` exists on its server."""
    name = database_name(database_url)
    with _maintenance(database_url) as conn:
        return _exists(conn, name)


def _create(conn: psycopg.Connection[tuple[object, ...]], name: str, *, exist_ok: bool) -> bool:
    try:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except errors.DuplicateDatabase:  # exists, or a concurrent caller won the race
        if exist_ok:
            return False
        raise
    return True


def create_database(database_url: str, *, exist_ok: bool = False) -> bool:
    """Create the database of ``database_url``; True when this call created it.

    With ``exist_ok`` an existing database (or one a concurrent caller created first) answers False;
    without it, psycopg's ``DuplicateDatabase`` propagates.
    """
    name = database_name(database_url)
    with _maintenance(database_url) as conn:
        return _create(conn, name, exist_ok=exist_ok)


def ensure_database(database_url: str) -> bool:
    """Create the database of ``database_url`` if it does not exist; True when it was created.

    Looks before creating, so a role without ``CREATEDB`` can still migrate an existing database.
    """
    name = database_name(database_url)
    with _maintenance(database_url) as conn:
        return not _exists(conn, name) and _create(conn, name, exist_ok=True)


def drop_database(database_url: str, *, force: bool = False) -> None:
    """Drop the database of ``database_url`` if it exists.

    ``force`` ends the other sessions connected to it first (tests use it; a service never should).
    """
    name = database_name(database_url)
    statement = "DROP DATABASE IF EXISTS {} WITH (FORCE)" if force else "DROP DATABASE IF EXISTS {}"
    with _maintenance(database_url) as conn:
        conn.execute(sql.SQL(statement).format(sql.Identifier(name)))


__all__ = [
    "MAINTENANCE_DATABASE",
    "create_database",
    "database_exists",
    "database_name",
    "drop_database",
    "ensure_database",
]
