"""Alembic driven from code: no ``alembic.ini`` needed, the URL handed over in memory, one ``env.py``.

:func:`run_migrations` passes the database URL to the migration environment through
``Config.attributes`` (never through the environment or a file), and :func:`configure_env` is the
whole body of a service's ``migrations/env.py``. Migrations run on a synchronous engine (psycopg 3
serves both); the services themselves use the async engine of :mod:`portfolio_shared.sql.engine`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Literal

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, pool
from sqlalchemy import create_engine as create_sync_engine

from portfolio_shared.health import DB_CONNECT_TIMEOUT_S
from portfolio_shared.sql.engine import sqlalchemy_url

_CONNECT_ARGS = {"connect_timeout": DB_CONNECT_TIMEOUT_S}

Action = Literal["upgrade", "downgrade"]

#: The ``Config.attributes`` key :func:`configure_env` reads the database URL from.
DATABASE_URL_ATTRIBUTE = "database_url"
_OUTBOX_TABLE_PREFIX = "outbox_"


def alembic_config(alembic_ini_or_script_location: str | os.PathLike[str], database_url: str) -> Config:
    """An Alembic config for ``database_url``.

    A path ending in ``.ini`` is read as an ``alembic.ini``; anything else is a script location,
    either a directory or a package resource such as ``"portfolio_scraper:migrations"`` (which
    resolves wherever the package is installed, repository or image).
    """
    location = os.fspath(alembic_ini_or_script_location)
    if location.endswith(".ini"):
        config = Config(location)
    else:
        config = Config()
        config.set_main_option("script_location", location)
    config.attributes[DATABASE_URL_ATTRIBUTE] = database_url
    return config


def run_migrations(
    alembic_ini_or_script_location: str | os.PathLike[str],
    database_url: str,
    action: Action = "upgrade",
    revision: str = "head",
) -> None:
    """Upgrade or downgrade the database of ``database_url`` to ``revision``.

    The database must exist (:func:`portfolio_shared.sql.ensure_database` creates it). For a
    downgrade pass the target, e.g. ``"-1"`` or ``"base"`` (which removes every table).
    """
    config = alembic_config(alembic_ini_or_script_location, database_url)
    if action == "upgrade":
        command.upgrade(config, revision)
    elif action == "downgrade":
        command.downgrade(config, revision)
    else:
        raise ValueError(f"unknown migration action {action!r}: upgrade or downgrade")


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's ``include_object`` hook: skip the outbox tables.

    They are created from :data:`portfolio_shared.outbox.OUTBOX_DDL`, not from a service's models,
    so autogenerate must neither drop them nor report them as differences.
    """
    return not (type_ == "table" and name is not None and name.startswith(_OUTBOX_TABLE_PREFIX))


def _env_url(fallback_url: Callable[[], str | None] | None) -> str:
    config = context.config
    url: str | None = config.attributes.get(DATABASE_URL_ATTRIBUTE)
    if not url and fallback_url is not None:
        url = fallback_url()
    if not url:
        url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: pass one to run_migrations or set DATABASE_URL")
    return sqlalchemy_url(url)


def configure_env(target_metadata: MetaData, *, fallback_url: Callable[[], str | None] | None = None) -> None:
    """Run the current Alembic command's migrations; call it from a service's ``env.py``.

    The URL is the one :func:`run_migrations` passed; when the ``alembic`` CLI runs instead, it is
    ``fallback_url()`` (the service's settings, i.e. ``DATABASE_URL``), else the ini's
    ``sqlalchemy.url``. Offline mode (``--sql``) renders the SQL with literal values.
    """
    url = _env_url(fallback_url)
    if context.is_offline_mode():
        context.configure(
            url=url, target_metadata=target_metadata, literal_binds=True, include_object=include_object
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_sync_engine(url, poolclass=pool.NullPool, connect_args=_CONNECT_ARGS)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection, target_metadata=target_metadata, include_object=include_object
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def schema_diff(database_url: str, target_metadata: MetaData) -> list[Any]:
    """What autogenerate would change so the database matched ``target_metadata``.

    Empty when the models and the migrations agree; the outbox tables are left out.
    """
    engine = create_sync_engine(
        sqlalchemy_url(database_url), poolclass=pool.NullPool, connect_args=_CONNECT_ARGS
    )
    try:
        with engine.connect() as conn:
            migration_context = MigrationContext.configure(conn, opts={"include_object": include_object})
            diff: list[Any] = compare_metadata(migration_context, target_metadata)
    finally:
        engine.dispose()
    return diff


__all__ = [
    "DATABASE_URL_ATTRIBUTE",
    "Action",
    "alembic_config",
    "configure_env",
    "include_object",
    "run_migrations",
    "schema_diff",
]
