"""The scraper's ASGI application: ``uvicorn portfolio_scraper.main:app --port 8001``.

The lifespan opens the database engine, the one upstream HTTP client and the job runner; fails the
jobs a previous process left unfinished; starts the optional schedule; and on shutdown stops the
schedule, interrupts running jobs (recorded as failed) and closes everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from portfolio_scraper import __doc__ as package_doc
from portfolio_scraper.api import ROUTERS
from portfolio_scraper.config import SERVICE, ScraperSettings, get_settings
from portfolio_scraper.jobs.pipeline import upstream_client
from portfolio_scraper.jobs.runner import JobRunner
from portfolio_scraper.schedule import CronSchedule, run_schedule
from portfolio_shared.auth import authenticator_from_settings
from portfolio_shared.fastapi_app import create_service_app
from portfolio_shared.health import postgres_check
from portfolio_shared.outbox import psycopg_cursors, register_outbox_collector
from portfolio_shared.sql.fastapi import database_lifespan

logger = logging.getLogger(__name__)


def _scheduler(settings: ScraperSettings, runner: JobRunner) -> asyncio.Task[None] | None:
    if not settings.scrape_schedule:
        return None

    async def fire() -> None:
        runner.start(await runner.submit("all", days=1, trigger="schedule"))

    return asyncio.create_task(
        run_schedule(CronSchedule(settings.scrape_schedule), fire), name="scrape-schedule"
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Database, upstream client, job runner (recovering orphaned jobs), schedule; then the reverse."""
    settings: ScraperSettings = app.state.settings
    async with database_lifespan(settings.database_url)(app), upstream_client() as http:
        runner = JobRunner(
            settings=settings, sessions=app.state.sessions, http=http, **app.state.runner_options
        )
        app.state.runner = runner
        try:
            await runner.recover()
        except Exception:
            # Postgres may be down at start: /ready says so, and a conflicting request sweeps later.
            logger.exception("could not look for interrupted scrape jobs")
        schedule = _scheduler(settings, runner)
        try:
            yield
        finally:
            if schedule is not None:
                schedule.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await schedule
            await runner.aclose()


def create_app(
    settings: ScraperSettings | None = None, *, runner_options: Mapping[str, Any] | None = None
) -> FastAPI:
    """Build the app; tests pass their own settings and may replace the runner's pieces
    (``fetchers``, ``enricher``, ``interests``, ``limiter``, ``clock``; see :class:`JobRunner`)."""
    settings = settings or get_settings()

    app = create_service_app(
        service=SERVICE,
        settings=settings,
        title="Scraper",
        description=package_doc or "",
        checks=[postgres_check(settings.database_url)],
        lifespan=lifespan,
        routers=ROUTERS,
    )
    app.state.service_authenticator = authenticator_from_settings(settings)
    app.state.runner_options = dict(runner_options or {})
    # The outbox backlog gauges, read from the scraper's outbox table at each scrape.
    register_outbox_collector(psycopg_cursors(settings.database_url))
    return app


app = create_app()
