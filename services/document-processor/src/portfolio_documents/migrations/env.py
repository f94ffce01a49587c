"""Alembic environment of the document processor: the URL comes from the caller or from ``DATABASE_URL``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from portfolio_documents import models  # noqa: F401 - registers the tables on Base.metadata
from portfolio_documents.config import get_settings
from portfolio_documents.db import Base, sqlalchemy_url

config = context.config
# Programmatic callers (portfolio_documents.migrate, tests) pass the URL; the CLI falls back to settings.
url = sqlalchemy_url(config.attributes.get("database_url") or get_settings().database_url)


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    # The outbox tables are created from portfolio_shared's DDL, not from models.
    return not (type_ == "table" and name is not None and name.startswith("outbox_"))


def run_offline() -> None:
    context.configure(
        url=url, target_metadata=Base.metadata, literal_binds=True, include_object=include_object
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    # Migrations run synchronously (psycopg 3 serves both); the service itself uses the async engine.
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
