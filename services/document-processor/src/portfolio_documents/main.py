"""The document processor's API: ``uvicorn portfolio_documents.main:app --port 8003``.

The heavy work runs in the Celery worker (``portfolio_documents.worker``); the API enqueues it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from portfolio_documents import __doc__ as package_doc
from portfolio_documents.config import SERVICE, DocumentsSettings, get_settings
from portfolio_documents.db import create_engine, session_factory
from portfolio_shared.fastapi_app import create_service_app
from portfolio_shared.health import http_check, postgres_check, redis_check


def create_app(settings: DocumentsSettings | None = None) -> FastAPI:
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
        title="Document processor",
        description=package_doc or "",
        checks=[
            postgres_check(settings.database_url),
            redis_check(settings.redis_url, name="broker"),
            http_check(settings.chroma_heartbeat_url, name="chroma"),
        ],
        lifespan=lifespan,
    )


app = create_app()
