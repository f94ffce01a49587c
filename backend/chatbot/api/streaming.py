"""Server-sent events for ``POST /api/chatbot/stream/``: the encoding and the async body.

The events come from :func:`chatbot.services.stream`, a synchronous generator (the ORM, Redis and
the service clients are synchronous). Each step runs in the request's own thread through
``sync_to_async``, so between steps the open stream only waits on the event loop: under the ASGI
server it holds no worker.

The body runs after the view has returned, when ``RequestIdMiddleware`` has already reset the
request id: :func:`response` captures it and each step runs under it again, so the logs and the
outbound calls of the stream carry the request's id.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Generator

from asgiref.sync import sync_to_async
from django.http import StreamingHttpResponse

from chatbot.services import Event
from portfolio_shared.log import request_id_var

MEDIA_TYPE = "text/event-stream"


def encode(event: Event) -> bytes:
    """One event in the SSE wire format: ``event: <name>`` and one ``data:`` line of JSON."""
    return f"event: {event.name}\ndata: {json.dumps(event.data, ensure_ascii=False)}\n\n".encode()


def _next(events: Generator[Event], request_id: str | None) -> Event | None:
    token = request_id_var.set(request_id)
    try:
        return next(events, None)
    finally:
        request_id_var.reset(token)


def _close(events: Generator[Event], request_id: str | None) -> None:
    token = request_id_var.set(request_id)
    try:
        events.close()
    finally:
        request_id_var.reset(token)


async def _body(events: Generator[Event], request_id: str | None) -> AsyncIterator[bytes]:
    step = sync_to_async(_next, thread_sensitive=True)
    try:
        while (event := await step(events, request_id)) is not None:
            yield encode(event)
    finally:  # the visitor went away (cancelled) or the answer is done: release the generator
        await sync_to_async(_close, thread_sensitive=True)(events, request_id)


def response(events: Generator[Event]) -> StreamingHttpResponse:
    """The streamed answer, under the current request id; proxies are told not to buffer it."""
    streamed = StreamingHttpResponse(_body(events, request_id_var.get()), content_type=MEDIA_TYPE)
    streamed["Cache-Control"] = "no-cache"
    streamed["X-Accel-Buffering"] = "no"  # an nginx in front passes each event on at once
    return streamed
