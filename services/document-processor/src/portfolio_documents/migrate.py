"""Create the document processor's database if missing, then migrate it.

``python -m portfolio_documents.migrate`` or ``portfolio-documents-migrate [upgrade|downgrade]
[revision]`` (default ``upgrade head``). The database named in ``DATABASE_URL`` is created through
the server's ``postgres`` maintenance database, so a fresh Postgres needs nothing else.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import psycopg
from alembic import command
from alembic.config import Config
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from portfolio_documents.config import SERVICE, get_settings
from portfolio_shared.health import libpq_url, redact_url
from portfolio_shared.log import configure_logging

SCRIPT_LOCATION = "portfolio_documents:migrations"
logger = logging.getLogger(__name__)


def alembic_config(database_url: str) -> Config:
    """An Alembic config for ``database_url`` that needs no ``alembic.ini``."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["database_url"] = database_url
    return config


def ensure_database(database_url: str) -> bool:
    """Create the database of ``database_url`` if it does not exist; True when it was created."""
    conninfo = libpq_url(database_url)
    name = conninfo_to_dict(conninfo).get("dbname")
    if not name:
        raise ValueError(f"DATABASE_URL names no database: {redact_url(database_url)}")
    maintenance = make_conninfo(conninfo, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(name))))
        except errors.DuplicateDatabase:  # another process won the race
            return False
    return True


def upgrade(database_url: str, revision: str = "head") -> None:
    """Create the database if needed and upgrade it to ``revision``."""
    if ensure_database(database_url):
        logger.info("created database", extra={"database_url": redact_url(database_url)})
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Downgrade to ``revision`` (``base`` removes every table)."""
    command.downgrade(alembic_config(database_url), revision)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="portfolio-documents-migrate", description=__doc__)
    parser.add_argument("action", nargs="?", choices=["upgrade", "downgrade"], default="upgrade")
    parser.add_argument("revision", nargs="?", default=None, help="default: head (upgrade), -1 (downgrade)")
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(f"{SERVICE}-migrate", settings.log_level)
    try:
        if args.action == "upgrade":
            upgrade(settings.database_url, args.revision or "head")
        else:
            downgrade(settings.database_url, args.revision or "-1")
    except psycopg.OperationalError as exc:
        logger.error("cannot reach Postgres at %s: %s", redact_url(settings.database_url), exc)
        return 1
    logger.info("migrated", extra={"action": args.action, "revision": args.revision or "default"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
