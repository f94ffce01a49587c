"""Socket.IO at ``/ws/realtime``: the dashboard access rule on connect, and the ``realtime`` pushes.

A client connects with its dashboard token in the ``auth`` payload (``{"token": "..."}``) and
nowhere else: a token in the query string ends up in access logs and browser history, and a
browser cannot set headers on a websocket. A public dashboard needs none. A refused client gets a
``connect_error`` whose ``message`` says why and whose ``data`` is ``{"code", "status"}`` (the same
codes as the HTTP envelope: ``token_missing``, ``token_expired``, ...). An accepted one joins the
``dashboard`` room and receives a ``realtime`` snapshot at once.

Pushes are emitted to the room through the server's client manager: with ``AsyncRedisManager``
(every environment but unit tests) an emit from any worker reaches the clients of every worker.
The token is checked when the connection opens, and the server drops the connection when the
token expires: a client keeps the feed by connecting again with a fresh token before then (the
SPA's hook does when its token is refreshed).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, cast

import socketio
from redis.asyncio import Redis

from portfolio_analytics import keys
from portfolio_analytics.api.access import DashboardViewer, authorize_dashboard
from portfolio_analytics.config import AnalyticsSettings
from portfolio_analytics.realtime.feed import REALTIME_EVENT, RealtimeFeed, public_event
from portfolio_shared.auth import ServiceAuthenticator
from portfolio_shared.errors import PortfolioError

logger = logging.getLogger(__name__)

#: The room of authorised dashboard clients; pushes go to it only.
DASHBOARD_ROOM = "dashboard"
#: Recent events sent with the snapshot on connect, read back from today's raw event stream.
SNAPSHOT_EVENTS = 20


def handshake_token(auth: Any) -> str | None:
    """The token a connecting client offers in its ``auth`` payload (``{"token": "..."}``)."""
    if isinstance(auth, Mapping) and isinstance(auth.get("token"), str) and auth["token"]:
        return str(auth["token"])
    return None


async def latest_events(redis: Redis, prefix: str, count: int = SNAPSHOT_EVENTS) -> list[dict[str, Any]]:
    """The last ``count`` events recorded today, oldest first, as a dashboard may see them."""
    day = datetime.now(UTC).date().isoformat()
    entries = cast(
        list[tuple[str, dict[str, str]]], await redis.xrevrange(keys.raw_stream(prefix, day), count=count)
    )
    events = []
    for _entry_id, fields in reversed(entries):
        raw = fields.get("e") if isinstance(fields, Mapping) else None
        try:
            event = json.loads(raw) if raw else None
        except ValueError:
            event = None
        if isinstance(event, dict):
            events.append(public_event(event))
    return events


def redis_snapshot(
    get_redis: Callable[[], Redis], prefix: str, clock: Callable[[], float] = time.time
) -> Callable[[], Awaitable[Mapping[str, Any]]]:
    """The feed's snapshot: ingestion's view of active visitors and their pages, read from Redis.

    ``clock`` (seconds) is the app's, so a test that scripts time sees its own active visitors."""

    async def snapshot() -> Mapping[str, Any]:
        # metrics owns the layout of the active-visitor keys; imported late, as metrics imports much.
        from portfolio_analytics.metrics import realtime_snapshot

        result: Mapping[str, Any] = await realtime_snapshot(get_redis(), prefix, int(clock() * 1000))
        return result

    return snapshot


def install_realtime(
    sio: socketio.AsyncServer,
    *,
    settings: AnalyticsSettings,
    get_authenticator: Callable[[], ServiceAuthenticator | None],
    get_redis: Callable[[], Redis],
    prefix: str,
    feed: RealtimeFeed,
) -> None:
    """Register the connect handler on ``sio``; the feed pushes to the dashboard room."""

    async def send_snapshot(sid: str) -> None:
        try:
            payload = await feed.payload(await latest_events(get_redis(), prefix))
        except Exception:
            # Redis down: the client stays connected and gets the next push once Redis is back.
            logger.warning("realtime snapshot unavailable", exc_info=True)
            return
        payload["snapshot"] = True
        await sio.emit(REALTIME_EVENT, payload, to=sid)

    # The task that drops each connection when its token expires, cancelled if it leaves first.
    expiries: dict[str, asyncio.Task[None]] = {}

    async def expire(sid: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        expiries.pop(sid, None)
        await sio.disconnect(sid)

    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        try:
            viewer: DashboardViewer = await authorize_dashboard(
                handshake_token(auth), settings=settings, authenticator=get_authenticator()
            )
        except PortfolioError as exc:
            raise socketio.exceptions.ConnectionRefusedError(
                exc.message, {"code": exc.error_code, "status": exc.status}
            ) from None
        await sio.save_session(sid, {"viewer": viewer.kind, "caller": viewer.caller})
        await sio.enter_room(sid, DASHBOARD_ROOM)
        if viewer.expires_at is not None:
            expiries[sid] = asyncio.create_task(expire(sid, max(0.0, viewer.expires_at - time.time())))
        # After the handler returns the server sends CONNECT; the task's first emit comes after it.
        sio.start_background_task(send_snapshot, sid)
        return True

    async def disconnect(sid: str, *_reason: Any) -> None:
        task = expiries.pop(sid, None)
        if task is not None:
            task.cancel()

    sio.on("connect", connect)
    sio.on("disconnect", disconnect)


def room_push(sio: socketio.AsyncServer) -> Callable[[dict[str, Any]], Awaitable[None]]:
    """The feed's ``push``: one emit to the dashboard room (published to every worker)."""

    async def push(payload: dict[str, Any]) -> None:
        await sio.emit(REALTIME_EVENT, payload, room=DASHBOARD_ROOM)

    return push
