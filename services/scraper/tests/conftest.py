"""A uniquely named, migrated test database for the session; an ASGI client on the real app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from portfolio_scraper.config import ScraperSettings
from portfolio_scraper.main import create_app
from portfolio_scraper.migrate import SCRIPT_LOCATION
from portfolio_shared.sql import run_migrations
from portfolio_shared.testing import temporary_database

DATABASE_PREFIX = "test_portfolio_scraper"


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with temporary_database(prefix=DATABASE_PREFIX) as url:
        run_migrations(SCRIPT_LOCATION, url)
        yield url


@pytest.fixture
def settings(database_url: str) -> ScraperSettings:
    return ScraperSettings(DATABASE_URL=database_url, ENVIRONMENT="test")


@pytest.fixture
async def client(settings: ScraperSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://scraper") as c:
            yield c
