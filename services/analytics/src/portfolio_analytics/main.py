"""The analytics ASGI application: ``uvicorn portfolio_analytics.main:app --port 8002``.

``app`` is Socket.IO wrapping FastAPI: requests under ``/ws/realtime/`` go to Socket.IO, everything
else (and the lifespan) to the FastAPI app, so one server process serves both.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import socketio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from portfolio_analytics import __doc__ as package_doc
from portfolio_analytics.api import events, export, metrics, sample
from portfolio_analytics.api.access import dashboard_issuer_keys
from portfolio_analytics.api.short_path import EventsShortPath
from portfolio_analytics.config import SERVICE, AnalyticsSettings, get_settings
from portfolio_analytics.events.fold import Folder
from portfolio_analytics.events.geo import GeoLocator
from portfolio_analytics.events.intake import Intake
from portfolio_analytics.paper_titles import PaperTitles
from portfolio_analytics.realtime.feed import RealtimeFeed
from portfolio_analytics.realtime.socket import install_realtime, redis_snapshot, room_push
from portfolio_analytics.redis_faults import connect_redis, install_redis_fault_handler
from portfolio_shared.auth import authenticator_from_settings
from portfolio_shared.fastapi_app import create_service_app
from portfolio_shared.health import ReadinessCheck, check_redis
from portfolio_shared.redis_timeouts import SOCKET_TIMEOUT_S, socket_timeouts

SOCKETIO_PATH = "/ws/realtime"


def cors_options(settings: AnalyticsSettings) -> dict[str, Any]:
    """CORS for browsers posting beacons and reading the dashboard (no cookies, no credentials)."""
    return {
        "allow_origins": settings.cors_origins,
        "allow_methods": ["GET", "POST"],
        "allow_headers": ["Content-Type", "Authorization", "X-Request-ID"],
        "expose_headers": ["X-Analytics-Dropped", "X-Request-ID"],
        "max_age": 600,
    }


def create_api(settings: AnalyticsSettings) -> FastAPI:
    """The HTTP API alone (probes, metrics, and the analytics routes to come)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.redis = connect_redis(settings.analytics_redis_url)
        feed: RealtimeFeed | None = getattr(app.state, "realtime", None)
        if feed is not None:
            await feed.start()
        folder = Folder(app.state.intake.recorder, app.state.redis)
        folder.start()
        try:
            yield
        finally:
            await folder.stop()
            if feed is not None:
                await feed.stop()
            await app.state.intake.aclose()
            await app.state.paper_titles.aclose()
            await app.state.redis.aclose()

    api = create_service_app(
        service=SERVICE,
        settings=settings,
        title="Analytics",
        description=package_doc or "",
        checks=[ReadinessCheck("redis", lambda: check_redis(settings.analytics_redis_url, SOCKET_TIMEOUT_S))],
        lifespan=lifespan,
    )
    # Service tokens (export; core's summary proxy) and dashboard access both verify with it.
    api.state.service_authenticator = authenticator_from_settings(settings)
    if not settings.analytics_dashboard_public and not dashboard_issuer_keys(settings):
        raise ValueError(
            "SERVICE_CALLER_KEYS_CORE is required: a private dashboard checks core's tokens with it"
        )
    install_redis_fault_handler(api)
    api.include_router(export.router)
    events.install(api)
    api.include_router(metrics.router)
    api.include_router(sample.router)
    api.state.intake = Intake(settings, GeoLocator(settings.geoip_db_path))
    # Titles beside the ranked papers' ids, looked up in core (paper_titles).
    api.state.paper_titles = PaperTitles(settings)
    # Seconds since the epoch; tests replace it to script days (``deps.now_ms_of``).
    api.state.clock = time.time
    # Browsers post events from the SPA's origin; no cookies, so no credentials.
    api.add_middleware(CORSMiddleware, **cors_options(settings))
    return api


def create_socketio(settings: AnalyticsSettings) -> socketio.AsyncServer:
    """The Socket.IO server. Outside tests it shares rooms and broadcasts through Redis, so several
    workers (and other processes, with a write-only manager) reach every connected dashboard."""
    manager = (
        None
        if settings.environment == "test"
        else socketio.AsyncRedisManager(
            settings.analytics_redis_url,
            channel=settings.realtime_channel,
            # Publishing and subscribing give up as the other clients do; listening for pushes
            # blocks without a timeout whatever socket_timeout says (redis-py's pub/sub).
            redis_options=dict(socket_timeouts()),
        )
    )
    # Browsers apply no CORS to websockets: engine.io checks Origin itself. An empty list would turn
    # that check off, so no configured origin means same-origin only (None).
    return socketio.AsyncServer(
        async_mode="asgi", client_manager=manager, cors_allowed_origins=settings.cors_origins or None
    )


def create_app(settings: AnalyticsSettings | None = None) -> EventsShortPath:
    """Socket.IO at ``/ws/realtime`` in front of the FastAPI app, and the beacons' short path in
    front of both (``other_asgi_app`` is the FastAPI app)."""
    settings = settings or get_settings()
    api = create_api(settings)
    sio = create_socketio(settings)
    api.state.sio = sio
    # Ingestion calls api.state.realtime.notify(events); the feed pushes to the dashboard room.
    redis_of_app = lambda: api.state.redis  # noqa: E731 - the client exists once the lifespan runs
    app_clock = lambda: api.state.clock()  # noqa: E731 - tests may script time
    api.state.realtime = RealtimeFeed(
        push=room_push(sio),
        snapshot=redis_snapshot(redis_of_app, settings.redis_prefix, app_clock),
    )
    install_realtime(
        sio,
        settings=settings,
        get_authenticator=lambda: api.state.service_authenticator,
        get_redis=redis_of_app,
        prefix=settings.redis_prefix,
        feed=api.state.realtime,
    )
    app = socketio.ASGIApp(sio, other_asgi_app=api, socketio_path=SOCKETIO_PATH)
    return EventsShortPath(app, api, service=SERVICE, cors=cors_options(settings))


app = create_app()
