"""The beacons' short path: ``/events/*`` straight to their handler, around the FastAPI app.

Beacons are the service's hot path. Through the FastAPI app a beacon crosses Starlette's error,
body-limit and exception layers, the router and the request/response wrappers; under load (py-spy,
one worker) those layers took about a third of the process's time, more than recording the event.
This path keeps what a beacon needs: the request id and access line, the request metrics, CORS
(the same settings as the app's), and the app's own exception handlers (the envelope; 503 when
Redis is down). It calls the handler the documented FastAPI routes call, so both answer alike;
every other request, and a beacon sent to the FastAPI app directly, takes the usual way.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from portfolio_analytics.api import events
from portfolio_shared.errors.fastapi import internal_error_response, log_unhandled
from portfolio_shared.fastapi_app import MetricsMiddleware, RequestIdMiddleware


class EventsShortPath:
    """``app`` for everything, except ``/events/{name}`` requests, served as described above.

    ``other_asgi_app`` is the FastAPI app, as on the Socket.IO app it wraps (tests and tools reach
    the app's state and lifespan through it).
    """

    def __init__(self, app: ASGIApp, api: FastAPI, *, service: str, cors: dict[str, Any]) -> None:
        self.app = app
        self.other_asgi_app = api
        #: Route objects only label the metrics (``route_template``); nothing is matched through them.
        self.routes = {
            f"{events.router.prefix}/{name}": (name, Route(f"{events.router.prefix}/{name}", self._handle))
            for name in events.ROUTES
        }
        self.short: ASGIApp = RequestIdMiddleware(
            MetricsMiddleware(CORSMiddleware(self._handle, **cors), service=service)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in self.routes:
            scope["app"] = self.other_asgi_app  # Request.app: the state the handler reads
            await self.short(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        name, route = self.routes[scope["path"]]
        scope["route"] = route
        request = Request(scope, receive)
        response: Response
        try:
            if request.method != "POST":
                raise HTTPException(405, headers={"Allow": "POST"})
            response = await events.receive(name, request)
        except Exception as exc:
            response = await self._error(request, exc)
        await response(scope, receive, send)

    async def _error(self, request: Request, exc: Exception) -> Response:
        """The app's own handler for ``exc`` (the most specific registered class), as Starlette picks it."""
        handlers = self.other_asgi_app.exception_handlers
        for cls in type(exc).__mro__:
            handler = handlers.get(cls)
            if handler is not None and cls is not Exception:
                answer: Response = await handler(request, exc)
                return answer
        log_unhandled(exc, request.method, request.url.path)
        return internal_error_response()
