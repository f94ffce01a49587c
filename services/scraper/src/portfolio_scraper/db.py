"""The scraper's database: SQLAlchemy 2 async engine on psycopg 3, and the declarative base."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

_DRIVER = "postgresql+psycopg"


class Base(DeclarativeBase):
    """Declarative base of the scraper's tables (Alembic compares migrations against its metadata)."""


def sqlalchemy_url(database_url: str) -> str:
    """``DATABASE_URL`` with the psycopg 3 driver, whichever Postgres scheme it was given with."""
    scheme, sep, rest = database_url.partition("://")
    if sep and scheme in {"postgres", "postgresql", "postgresql+psycopg"}:
        return f"{_DRIVER}://{rest}"
    return database_url


def create_engine(database_url: str) -> AsyncEngine:
    """An async engine; ``pool_pre_ping`` so a restarted Postgres does not fail the next request."""
    return create_async_engine(sqlalchemy_url(database_url), pool_pre_ping=True, pool_size=5)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
