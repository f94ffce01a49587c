"""The beacons' short path: ``POST /events/*`` straight to their handler, around the FastAPI app.

Beacons are the service's hot path. Through the FastAPI app a beacon crosses Starlette's error,
body-limit and exception layers, the router, the request/response wrappers and one ASGI layer per
middleware; under load (one worker) those layers cost more than recording the event. This path is
one layer that gives a beacon what the stack would: the request id and access line
(:func:`~portfolio_shared.fastapi_app.log_access`), the request metrics, Starlette's CORS headers
(the app's settings; computed once per origin) and the app's own exception handlers (the envelope;
503 when Redis is down). It calls :func:`events.ingest`, as the documented FastAPI routes do, so
both answer alike. Other methods on these paths (CORS preflights, a 405) go through the same
middleware classes as the app; every other request, and a beacon sent to the FastAPI app directly,
takes the usual way.
"""

from __future__ import annotations

import inspect
import time
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portfolio_analytics.api import events
from portfolio_shared.errors.fastapi import internal_error_response, log_unhandled
from portfolio_shared.fastapi_app import MetricsMiddleware, RequestIdMiddleware, log_access
from portfolio_shared.log import REQUEST_ID_HEADER, accept_request_id, request_id_var
from portfolio_shared.metrics import observe_request

_JSON = (b"content-type", b"application/json")
_REQUEST_ID = REQUEST_ID_HEADER.lower()
_REQUEST_ID_BYTES = _REQUEST_ID.encode("latin-1")
_DROPPED_BYTES = events.DROPPED_HEADER.lower().encode("latin-1")
#: Distinct ``Origin`` values whose CORS headers are remembered (any client may send any origin).
_MAX_ORIGINS = 256


class EventsShortPath:
    """``app`` for everything, except ``/events/{name}`` requests, served as described above.

    ``other_asgi_app`` is the FastAPI app, as on the Socket.IO app it wraps (tests and tools reach
    the app's state and lifespan through it).
    """

    def __init__(self, app: ASGIApp, api: FastAPI, *, service: str, cors: dict[str, Any]) -> None:
        self.app = app
        self.other_asgi_app = api
        self.service = service
        self.routes = {f"{events.router.prefix}/{name}": name for name in events.ROUTES}
        #: Labels the metrics of the other methods (``route_template`` reads ``scope["route"]``).
        self._route_objects = {path: Route(path, self._not_post) for path in self.routes}
        self.cors = CORSMiddleware(self._not_post, **cors)
        self.other_methods: ASGIApp = RequestIdMiddleware(MetricsMiddleware(self.cors, service=service))
        self._cors_by_origin: dict[str | None, list[tuple[bytes, bytes]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in self.routes:
            scope["app"] = self.other_asgi_app  # Request.app: the state the handler reads
            if scope["method"] == "POST":
                await self._post(scope, receive, send)
            else:
                scope["route"] = self._route_objects[scope["path"]]
                await self.other_methods(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _post(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        path: str = scope["path"]
        headers = events.request_headers(scope)
        request_id = accept_request_id(headers.get(_REQUEST_ID))
        token = request_id_var.set(request_id)
        status = 500
        try:
            client = scope.get("client")
            try:
                body, dropped = await events.ingest(
                    self.routes[path],
                    self.other_asgi_app.state,
                    headers,
                    client[0] if client else None,
                    receive,
                )
            except Exception as exc:
                response = await self._error(Request(scope, receive), exc)
                status = response.status_code
                response.raw_headers += await self._common_headers(request_id, headers.get("origin"))
                await response(scope, receive, send)
                return
            status = 202
            answer = [
                _JSON,
                (b"content-length", str(len(body)).encode()),
                *await self._common_headers(request_id, headers.get("origin")),
            ]
            if dropped:
                answer.append((_DROPPED_BYTES, dropped.encode()))
            await send({"type": "http.response.start", "status": 202, "headers": answer})
            await send({"type": "http.response.body", "body": body})
        finally:
            observe_request(self.service, path, "POST", status, time.perf_counter() - started)
            log_access("POST", path, status, started, request_id)
            request_id_var.reset(token)

    async def _common_headers(self, request_id: str, origin: str | None) -> list[tuple[bytes, bytes]]:
        """The request id and the CORS headers Starlette's middleware adds for ``origin``."""
        cors = self._cors_by_origin.get(origin)
        if cors is None:
            if len(self._cors_by_origin) >= _MAX_ORIGINS:
                self._cors_by_origin.clear()
            start: Message = {"type": "http.response.start", "status": 202, "headers": []}
            sent: list[Message] = []

            async def capture(message: Message) -> None:
                sent.append(message)

            request = Headers(raw=[(b"origin", origin.encode("latin-1"))] if origin is not None else [])
            await self.cors.send(start, send=capture, request_headers=request)
            cors = self._cors_by_origin[origin] = list(sent[0]["headers"])
        return [(_REQUEST_ID_BYTES, request_id.encode("latin-1")), *cors]

    async def _not_post(self, scope: Scope, receive: Receive, send: Send) -> None:
        """What is left once CORS answered the preflights: 405, as the app's routes answer."""
        response = await self._error(Request(scope, receive), HTTPException(405, headers={"Allow": "POST"}))
        await response(scope, receive, send)

    async def _error(self, request: Request, exc: Exception) -> Response:
        """The app's own handler for ``exc`` (the most specific registered class), as Starlette picks it."""
        handlers = self.other_asgi_app.exception_handlers
        for cls in type(exc).__mro__:
            handler = handlers.get(cls)
            if handler is not None and cls is not Exception:
                answer = handler(request, exc)  # the app's handlers are coroutines
                return await answer if inspect.isawaitable(answer) else answer
        log_unhandled(exc, request.method, request.url.path)
        return internal_error_response()
