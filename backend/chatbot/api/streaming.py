"""Server-sent events for ``POST /api/chatbot/stream/``: the encoding and the async body.

The events come from :func:`chatbot.services.stream`, a synchronous generator (the ORM, Redis and
the service clients are synchronous). Each step runs in the request's own thread through
``sync_to_async``, so between steps the open stream only waits on the event loop: under the ASGI
server it holds no worker.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.http import StreamingHttpResponse

from chatbot.services import Event

MEDIA_TYPE = "text/event-stream"


def encode(event: Event) -> bytes:
    """One event in the SSE wire format: ``event: <name>`` and one ``data:`` line of JSON."""
    return f"event: {event.name}\ndata: {json.dumps(event.data, ensure_ascii=False)}\n\n".encode()


async def _body(events: Iterator[Event]) -> AsyncIterator[bytes]:
    step = sync_to_async(next, thread_sensitive=True)
    try:
        while (event := await step(events, None)) is not None:
            yield encode(event)
    finally:  # the visitor went away (cancelled) or the answer is done: release the generator
        await sync_to_async(events.close, thread_sensitive=True)()


def response(events: Iterator[Event]) -> StreamingHttpResponse:
    """The streamed answer; proxies are told not to buffer it."""
    streamed = StreamingHttpResponse(_body(events), content_type=MEDIA_TYPE)
    streamed["Cache-Control"] = "no-cache"
    streamed["X-Accel-Buffering"] = "no"  # nginx (the SPA host's /api proxy) passes each event on at once
    return streamed
