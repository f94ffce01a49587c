"""A uniquely named, migrated test database for the session; an ASGI client on the real app."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import psycopg
import pytest
from psycopg import sql

from portfolio_scraper.config import ScraperSettings
from portfolio_scraper.main import create_app
from portfolio_scraper.migrate import upgrade

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def database_url_for(name: str) -> str:
    return f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def new_database_url() -> Iterator[Callable[[], str]]:
    """Hands out URLs of unique, not yet created databases and drops every one afterwards."""
    names: list[str] = []

    def make() -> str:
        names.append(f"test_portfolio_scraper_{uuid.uuid4().hex[:10]}")
        return database_url_for(names[-1])

    yield make
    for name in names:
        drop_database(name)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    name = f"test_portfolio_scraper_{uuid.uuid4().hex[:10]}"
    url = database_url_for(name)
    upgrade(url)  # creates the database, then alembic upgrade head
    yield url
    drop_database(name)


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
