"""The scraper's ASGI application: ``uvicorn portfolio_scraper.main:app --port 8001``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from portfolio_scraper import __doc__ as package_doc
from portfolio_scraper.config import SERVICE, ScraperSettings, get_settings
from portfolio_scraper.db import create_engine, session_factory
from portfolio_shared.fastapi_app import create_service_app
from portfolio_shared.health import postgres_check


def create_app(settings: ScraperSettings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        try:
            yield
        finally:
            await engine.dispose()

    return create_service_app(
        service=SERVICE,
        settings=settings,
        title="Scraper",
        description=package_doc or "",
        checks=[postgres_check(settings.database_url)],
        lifespan=lifespan,
    )


app = create_app()
