"""The async SQLAlchemy 2 engine and session factory of a service, on the psycopg 3 driver."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from portfolio_shared.health import DB_CONNECT_TIMEOUT_S

DRIVER = "postgresql+psycopg"
_POSTGRES_SCHEMES = frozenset({"postgres", "postgresql", DRIVER})


def sqlalchemy_url(database_url: str) -> str:
    """``database_url`` with the psycopg 3 driver, whichever Postgres scheme it was given with.

    ``DATABASE_URL`` is shared with libpq tools (``postgresql://``); SQLAlchemy would pick psycopg2
    for that scheme, which is not installed. Other schemes pass through untouched.
    """
    scheme, sep, rest = database_url.partition("://")
    if sep and scheme in _POSTGRES_SCHEMES:
        return f"{DRIVER}://{rest}"
    return database_url


def create_engine(database_url: str, **options: Any) -> AsyncEngine:
    """An async engine for ``database_url``; ``options`` override the defaults below.

    ``pool_pre_ping`` so a restarted Postgres does not fail the next request; a small pool because
    each service runs several processes against one database; ``connect_timeout`` so an unreachable
    server fails the request instead of hanging it.
    """
    settings: dict[str, Any] = {
        "pool_pre_ping": True,
        "pool_size": 5,
        "connect_args": {"connect_timeout": DB_CONNECT_TIMEOUT_S},
        **options,
    }
    return create_async_engine(sqlalchemy_url(database_url), **settings)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on ``engine`` that keep loaded attributes after commit (routes return them afterwards)."""
    return async_sessionmaker(engine, expire_on_commit=False)


__all__ = ["DRIVER", "create_engine", "session_factory", "sqlalchemy_url"]
