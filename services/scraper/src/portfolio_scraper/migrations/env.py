"""Alembic environment of the scraper: the URL comes from the caller or from ``DATABASE_URL``."""

from portfolio_scraper import models  # noqa: F401 - registers the tables on Base.metadata
from portfolio_scraper.config import get_settings
from portfolio_scraper.db import Base
from portfolio_shared.sql import configure_env

configure_env(Base.metadata, fallback_url=lambda: get_settings().database_url)
