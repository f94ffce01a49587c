"""The analytics ASGI application: ``uvicorn portfolio_analytics.main:app --port 8002``.

``app`` is Socket.IO wrapping FastAPI: requests under ``/ws/realtime/`` go to Socket.IO, everything
else (and the lifespan) to the FastAPI app, so one server process serves both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import socketio
from fastapi import FastAPI
from redis.asyncio import Redis

from portfolio_analytics import __doc__ as package_doc
from portfolio_analytics.config import SERVICE, AnalyticsSettings, get_settings
from portfolio_shared.fastapi_app import create_service_app
from portfolio_shared.health import redis_check

SOCKETIO_PATH = "/ws/realtime"


def create_api(settings: AnalyticsSettings) -> FastAPI:
    """The HTTP API alone (probes, metrics, and the analytics routes to come)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.redis = Redis.from_url(settings.redis_url, decode_responses=True)
        try:
            yield
        finally:
            await app.state.redis.aclose()

    return create_service_app(
        service=SERVICE,
        settings=settings,
        title="Analytics",
        description=package_doc or "",
        checks=[redis_check(settings.redis_url)],
        lifespan=lifespan,
    )


def create_socketio(settings: AnalyticsSettings) -> socketio.AsyncServer:
    """The Socket.IO server. Outside tests it shares rooms and broadcasts through Redis, so several
    workers (and other processes, with a write-only manager) reach every connected dashboard."""
    manager = (
        None
        if settings.environment == "test"
        else socketio.AsyncRedisManager(settings.redis_url, channel=settings.realtime_channel)
    )
    sio = socketio.AsyncServer(async_mode="asgi", client_manager=manager)

    @sio.event
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        # The dashboard token check comes with the analytics issue; nothing is broadcast yet.
        return True

    return sio


def create_app(settings: AnalyticsSettings | None = None) -> socketio.ASGIApp:
    """Socket.IO at ``/ws/realtime`` in front of the FastAPI app."""
    settings = settings or get_settings()
    api = create_api(settings)
    sio = create_socketio(settings)
    api.state.sio = sio
    return socketio.ASGIApp(sio, other_asgi_app=api, socketio_path=SOCKETIO_PATH)


app = create_app()
