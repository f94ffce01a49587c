"""Core's ASGI handler: the whole middleware chain and the view in one thread hop per request.

Django's ASGI handler builds an async middleware chain and adapts each synchronous part:
a sync-only middleware (ours, WhiteNoise) is entered through ``sync_to_async``, the async
middleware below it run back on the event loop through ``async_to_sync``, and a sync view
is one more ``sync_to_async``. Every public read of core is a sync view behind sync
middleware, so a request crossed between the loop and its thread six times, each crossing a
wake-up of the other side (tens to hundreds of microseconds, more under load). Here the chain
is built synchronous, as under WSGI, and entered once through ``sync_to_async`` (thread
sensitive: the request's own thread, asgiref's per-request ThreadSensitiveContext). An async
view (the chatbot stream) is called through ``async_to_sync`` by Django; its streamed body is
still sent by the event loop.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class CoreASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        chain: Any = self._middleware_chain  # type: ignore[has-type]  # set by the base class, untyped
        self._middleware_chain = sync_to_async(chain, thread_sensitive=True)
