"""Alembic environment of the document processor: the URL comes from the caller or from ``DATABASE_URL``."""

from portfolio_documents import models  # noqa: F401 - registers the tables on Base.metadata
from portfolio_documents.config import get_settings
from portfolio_documents.db import Base
from portfolio_shared.sql import configure_env

configure_env(Base.metadata, fallback_url=lambda: get_settings().database_url)
