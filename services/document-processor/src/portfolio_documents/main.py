"""The document processor's API: ``uvicorn portfolio_documents.main:app --port 8003``.

The heavy work runs in the Celery worker (``portfolio_documents.worker``); the API enqueues it.
"""

from __future__ import annotations

from fastapi import FastAPI

from portfolio_documents import __doc__ as package_doc
from portfolio_documents.api import ROUTERS
from portfolio_documents.api.intake import UPLOAD_PATHS
from portfolio_documents.api.uploads import FORM_OVERHEAD
from portfolio_documents.config import SERVICE, DocumentsSettings, get_settings
from portfolio_documents.metrics import register_collectors
from portfolio_documents.worker import create_celery
from portfolio_shared.auth import authenticator_from_settings
from portfolio_shared.fastapi_app import create_service_app
from portfolio_shared.health import http_check, postgres_check, redis_check
from portfolio_shared.sql.fastapi import database_lifespan


def create_app(settings: DocumentsSettings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings."""
    settings = settings or get_settings()

    app = create_service_app(
        service=SERVICE,
        settings=settings,
        title="Document processor",
        description=package_doc or "",
        checks=[
            postgres_check(settings.database_url),
            redis_check(settings.celery_broker_url, name="broker"),
            http_check(settings.chroma_heartbeat_url, name="chroma"),
        ],
        lifespan=database_lifespan(settings.database_url),
        routers=ROUTERS,
        # Above the intake routes' own MAX_UPLOAD_MB checks (413 payload_too_large, details.max_bytes):
        # those answer first; this cap is the backstop for a body no route check would stop.
        body_limits=dict.fromkeys(UPLOAD_PATHS, settings.max_upload_bytes + 2 * FORM_OVERHEAD),
    )
    app.state.service_authenticator = authenticator_from_settings(settings)
    # Only sends messages (by task name); the worker's code is never imported by the API.
    app.state.celery = create_celery(settings)
    # Job counts, queue depth and outbox backlog, read at each /internal/metrics scrape.
    register_collectors(
        database_url=settings.database_url, redis_url=settings.celery_broker_url, queue=settings.celery_queue
    )
    return app


app = create_app()
