"""The scraper's database: the declarative base of its tables. The async engine and sessions
(psycopg 3) come from :mod:`portfolio_shared.sql`."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from portfolio_shared.sql import create_engine, session_factory, sqlalchemy_url


class Base(DeclarativeBase):
    """Declarative base of the scraper's tables (Alembic compares migrations against its metadata)."""


__all__ = ["Base", "create_engine", "session_factory", "sqlalchemy_url"]
