"""Core's ASGI handler: each request's synchronous work in one thread hop.

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

Django's handler also crosses to that thread for the ``request_started`` signal before the chain
and for ``response.close()`` (the ``request_finished`` signal: the request's database connection
back to the pool) after the response is sent: three hops a request. Here the signal, the chain and,
for a response whose body is already in memory (not streaming), its close run in the one hop; the
connection is then back in the pool before the bytes go out. A streaming response is closed
after its body is sent, in the request's thread, as Django does.

That hop runs on a thread of a pool kept for the process (``THREADS``), not on a thread started
for the request (asgiref's per-request ThreadSensitiveContext starts one at its first
thread-sensitive call). All of a buffered response's synchronous work happens in that one call,
so its thread-local state (the database connection: taken from the pool by the chain, given back
by the close) begins and ends there; a streamed response gives its connection back at the end of
the hop, and whatever its body does later (the chatbot stream) runs in the request's own thread
as before.
"""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.db import close_old_connections
from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.urls import set_script_prefix

#: Threads that run requests' synchronous work, per process. More than the database pool's
#: connections (config.settings: 10), so that a request without a query (a proxied read waiting
#: on a peer) does not wait for one of those; requests past it wait for a thread.
THREADS = 16
THREAD_PREFIX = "core-request"
_EXECUTOR = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix=THREAD_PREFIX)


class CoreASGIHandler(ASGIHandler):
    #: A body in memory is sent in pieces of this size (Django: 64 KiB, which cut a papers page of
    #: ~100 KiB in two copies and two writes); one piece for any JSON page of ours.
    chunk_size = 2**20

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)  # the synchronous chain, which get_response runs

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # Django's get_response_async with the sync chain: one hop (log_response included).
        response: HttpResponseBase = await sync_to_async(self.get_response, thread_sensitive=True)(request)
        return response

    def _serve(self, request: HttpRequest, scope: dict[str, Any]) -> HttpResponseBase:
        """The request's synchronous work, in its thread: Django's request_started signal, the
        chain, and the close of a response that is not streamed (request_finished)."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        response = self.get_response(request)
        response._handler_class = self.__class__  # type: ignore[attr-defined]  # as run_get_response
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        if not response.streaming:
            response.close()
        else:
            close_old_connections()  # this thread's connection; the body runs elsewhere (see above)
        return response

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Django's ``ASGIHandler.handle`` with the request's sync work in one hop (``_serve``); only a
        streamed body is sent with a task listening for a disconnect (two tasks and a wait a request,
        ~5 % of a list page's worker time, for nothing when the body is already in memory)."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            await signals.request_started.asend(sender=self.__class__, scope=scope)
            body_file.close()
            await self.send_response(error_response, send)
            await sync_to_async(error_response.close)()
            return

        serve = sync_to_async(self._serve, thread_sensitive=False, executor=_EXECUTOR)
        try:
            response = await serve(request, scope)
        except asyncio.CancelledError:
            body_file.close()
            raise
        if not response.streaming:
            # Closed in its thread already (_serve). No task listens for the client leaving: the view
            # cannot be stopped midway, and the server drops what is sent after a disconnect.
            body_file.close()
            with contextlib.suppress(asyncio.CancelledError):
                await self.send_response(response, send)
            return
        await self._stream(response, receive, send)
        await sync_to_async(response.close)()
        body_file.close()

    async def _stream(self, response: HttpResponseBase, receive: Any, send: Any) -> None:
        """Send a streamed body (the chatbot's answer) while listening for the client leaving, which
        stops it (its iterator is closed), as Django's handler does."""
        tasks = [
            asyncio.create_task(self.listen_for_disconnect(receive)),
            asyncio.create_task(self.send_response(response, send)),
        ]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            if task.done():
                with contextlib.suppress(RequestAborted, asyncio.CancelledError):
                    task.result()
            else:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
