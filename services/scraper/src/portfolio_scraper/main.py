"""The scraper's ASGI application: ``uvicorn portfolio_scraper.main:app --port 8001``."""

from __future__ import annotations

from fastapi import FastAPI

from portfolio_scraper import __doc__ as package_doc
from portfolio_scraper.config import SERVICE, ScraperSettings, get_settings
from portfolio_shared.fastapi_app import create_service_app
from portfolio_shared.health import postgres_check
from portfolio_shared.sql.fastapi import database_lifespan


def create_app(settings: ScraperSettings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings."""
    settings = settings or get_settings()

    return create_service_app(
        service=SERVICE,
        settings=settings,
        title="Scraper",
        description=package_doc or "",
        checks=[postgres_check(settings.database_url)],
        lifespan=database_lifespan(settings.database_url),
    )


app = create_app()
