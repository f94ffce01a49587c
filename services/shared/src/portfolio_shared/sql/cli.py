"""The ``migrate`` command of a service with a database: create it if missing, then run Alembic.

Each service's ``python -m portfolio_<x>.migrate`` (also the ``portfolio-<x>-migrate`` script) is a
:func:`migrate_command` bound to its settings and migration scripts::

    main = migrate_command(SERVICE, "portfolio_scraper:migrations", get_settings, __doc__)


    portfolio-scraper-migrate [upgrade|downgrade] [revision]    # default: upgrade head

The database named in ``DATABASE_URL`` is created through the server's ``postgres`` maintenance
database, so a fresh Postgres needs nothing else. When Postgres cannot be reached the command logs
one line and exits 1, without a traceback.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

import psycopg

from portfolio_shared.health import redact_url
from portfolio_shared.log import configure_logging
from portfolio_shared.sql.admin import ensure_database
from portfolio_shared.sql.migrations import run_migrations

logger = logging.getLogger(__name__)

_DEFAULT_REVISION = {"upgrade": "head", "downgrade": "-1"}


class MigrateSettings(Protocol):
    """What the command reads from a service's settings."""

    @property
    def database_url(self) -> str | None: ...

    @property
    def log_level(self) -> str: ...


class MigrateCommand(Protocol):
    """A service's ``main``: the arguments (default ``sys.argv[1:]``) in, the exit code out."""

    def __call__(self, argv: Sequence[str] | None = None) -> int: ...


def migrate_main(
    *,
    service: str,
    script_location: str,
    get_settings: Callable[[], MigrateSettings],
    argv: Sequence[str] | None = None,
    description: str | None = None,
) -> int:
    """Parse ``[upgrade|downgrade] [revision]``, then create and migrate the service's database.

    ``get_settings`` is called after parsing, so ``--help`` works without a configured environment.
    Returns the process exit code: 0 on success, 1 when Postgres cannot be reached or no
    ``DATABASE_URL`` is configured.
    """
    parser = argparse.ArgumentParser(prog=f"portfolio-{service}-migrate", description=description)
    parser.add_argument("action", nargs="?", choices=["upgrade", "downgrade"], default="upgrade")
    parser.add_argument("revision", nargs="?", default=None, help="default: head (upgrade), -1 (downgrade)")
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(f"{service}-migrate", settings.log_level)
    database_url = settings.database_url
    if not database_url:
        logger.error("DATABASE_URL is not set")
        return 1
    revision = args.revision or _DEFAULT_REVISION[args.action]
    try:
        if args.action == "upgrade" and ensure_database(database_url):
            logger.info("created database", extra={"database_url": redact_url(database_url)})
        run_migrations(script_location, database_url, args.action, revision)
    except psycopg.OperationalError as exc:
        logger.error("cannot reach Postgres at %s: %s", redact_url(database_url), exc)
        return 1
    logger.info("migrated", extra={"action": args.action, "revision": args.revision or "default"})
    return 0


def migrate_command(
    service: str,
    script_location: str,
    get_settings: Callable[[], MigrateSettings],
    description: str | None = None,
) -> MigrateCommand:
    """:func:`migrate_main` bound to one service: a ``main(argv=None) -> int`` for ``[project.scripts]``."""

    def main(argv: Sequence[str] | None = None) -> int:
        return migrate_main(
            service=service,
            script_location=script_location,
            get_settings=get_settings,
            argv=argv,
            description=description,
        )

    return main


__all__ = ["MigrateCommand", "MigrateSettings", "migrate_command", "migrate_main"]
