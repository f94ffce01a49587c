"""Postgres through SQLAlchemy 2 and Alembic, the one way every service with a database uses it.

Needs the ``sql`` extra (``portfolio-shared[sql]``). A service keeps only what is its own: the
declarative ``Base`` of its tables, its models and its migration scripts. Everything else is here:

- :mod:`~portfolio_shared.sql.engine`: ``create_engine(url)`` (async, psycopg 3) and ``session_factory``;
- :mod:`~portfolio_shared.sql.admin`: ``database_exists`` / ``create_database`` / ``drop_database``
  through the server's maintenance database;
- :mod:`~portfolio_shared.sql.migrations`: ``run_migrations(location, url)`` without an ``alembic.ini``,
  ``configure_env(Base.metadata)`` as the whole body of a service's ``env.py``, ``schema_diff``;
- :mod:`~portfolio_shared.sql.cli`: ``migrate_main``, behind each ``python -m portfolio_<x>.migrate``;
- :mod:`~portfolio_shared.sql.fastapi`: ``SessionDep`` for routes (also needs the ``fastapi`` extra).

Use::

    # migrations/env.py
    configure_env(Base.metadata, fallback_url=lambda: get_settings().database_url)

    # main.py lifespan
    engine = create_engine(settings.database_url)
    app.state.sessions = session_factory(engine)
"""

from portfolio_shared.sql.admin import create_database, database_exists, drop_database, ensure_database
from portfolio_shared.sql.engine import create_engine, session_factory, sqlalchemy_url
from portfolio_shared.sql.migrations import (
    Action,
    alembic_config,
    configure_env,
    include_object,
    run_migrations,
    schema_diff,
)

__all__ = [
    "Action",
    "alembic_config",
    "configure_env",
    "create_database",
    "create_engine",
    "database_exists",
    "drop_database",
    "ensure_database",
    "include_object",
    "run_migrations",
    "schema_diff",
    "session_factory",
    "sqlalchemy_url",
]
