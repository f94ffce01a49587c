"""Core's ASGI application as the uvicorn workers run it (config.asgi, config.handler)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.db import connections
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path

from config.handler import THREAD_PREFIX, CoreASGIHandler
from papers.tests.conftest import payload, store


async def call(
    app: Any,
    path: str,
    query: str = "",
    *,
    method: str = "GET",
    body: bytes = b"",
    headers: tuple[tuple[bytes, bytes], ...] = (),
    client: str = "127.0.0.1",
) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request to the ASGI ``app`` as uvicorn sends it; the status, headers and whole body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": (client, 50000),
        "server": ("testserver", 80),
    }
    received: list[bool] = []
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if not received:
            received.append(True)
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_deployed_application_serves_the_papers_list_with_its_middleware() -> None:
    from config.asgi import application  # imported here: it sets Django up as the workers do

    def seed() -> None:
        store(payload("2401.00001", title="Sparse attention at scale"))
        connections.close_all()  # this thread's connection back to the pool

    await sync_to_async(seed)()

    status, headers, body = await call(application, "/api/papers/", "search=attention")

    assert status == 200
    assert b"x-request-id" in {name.lower() for name in headers}  # the outermost middleware ran
    page = json.loads(body)
    assert [paper["arxiv_id"] for paper in page["results"]] == ["2401.00001"]
    assert page["count"] == 1 and page["count_capped"] is False


#: Where the test middleware and view below ran (thread ids).
SEEN: dict[str, int] = {}


def recording_middleware(get_response: Any) -> Any:
    def middleware(request: HttpRequest) -> HttpResponse:
        SEEN["middleware"] = threading.get_ident()
        return get_response(request)  # type: ignore[no-any-return]

    return middleware


class DualModeMiddleware:
    """Sync- and async-capable, as Django's own middleware: Django picks its mode from its neighbours."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        SEEN["dual"] = threading.get_ident()  # the loop's thread when Django made it async
        return self.get_response(request)


def recording_view(request: HttpRequest) -> HttpResponse:
    SEEN["view"] = threading.get_ident()
    return HttpResponse("ok")


#: What the streamed view's body did: how many parts it yielded and whether it was closed.
STREAM: dict[str, Any] = {}


def streaming_view(request: HttpRequest) -> StreamingHttpResponse:
    async def parts() -> AsyncIterator[bytes]:
        STREAM.update(parts=0, closed=False)
        try:
            while True:
                STREAM["parts"] += 1
                yield b"part\n"
                await asyncio.sleep(0.01)
        finally:
            STREAM["closed"] = True

    return StreamingHttpResponse(parts(), content_type="text/plain")


urlpatterns = [path("probe/", recording_view), path("stream/", streaming_view)]


@pytest.mark.asyncio
async def test_the_middleware_and_the_view_run_in_one_thread(settings: Any) -> None:
    # Django's own handler would run a sync-only middleware in one thread and the view, past the
    # async middleware on the loop, in another crossing; here the chain is one hop.
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = [f"{__name__}.recording_middleware", f"{__name__}.DualModeMiddleware"]
    SEEN.clear()

    status, _headers, body = await call(CoreASGIHandler(), "/probe/")

    assert (status, body) == (200, b"ok")
    assert SEEN["middleware"] == SEEN["dual"] == SEEN["view"] != threading.get_ident()


@pytest.mark.asyncio
async def test_a_buffered_response_is_served_and_closed_in_that_one_hop_on_a_reused_thread(
    settings: Any,
) -> None:
    # request_started (close_old_connections: a connection may be taken), the view, and the
    # response's close (request_finished: the connection given back) in the same thread, so the
    # connection a request took is back in the pool once it is answered; that thread is one of the
    # handler's pool, not one started for the request.
    from django.core import signals

    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = [f"{__name__}.recording_middleware"]
    threads: dict[str, list[int]] = {"started": [], "view": [], "finished": []}

    def started(**_: Any) -> None:
        threads["started"].append(threading.get_ident())

    def finished(**_: Any) -> None:
        threads["finished"].append(threading.get_ident())

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        handler = CoreASGIHandler()
        for _ in range(20):
            SEEN.clear()
            status, _headers, body = await call(handler, "/probe/")
            assert (status, body) == (200, b"ok")
            threads["view"].append(SEEN["view"])
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)

    assert threads["started"] == threads["view"] == threads["finished"]
    assert threading.get_ident() not in threads["view"]
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    assert all(names.get(ident, "").startswith(THREAD_PREFIX) for ident in threads["view"])


def scope_for(path: str) -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }  # fmt: skip


@pytest.mark.asyncio
async def test_a_streamed_body_stops_when_the_client_leaves(settings: Any) -> None:
    # The chatbot's answer is streamed: a visitor who closes the tab must not keep it generating.
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = []
    left = asyncio.Event()
    messages = iter([{"type": "http.request", "body": b"", "more_body": False}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        message = next(messages, None)
        if message is not None:
            return message
        await left.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if sum(1 for m in sent if m.get("body")) == 3:
            left.set()  # the client leaves after three parts

    await asyncio.wait_for(CoreASGIHandler()(scope_for("/stream/"), receive, send), timeout=10)

    assert STREAM["closed"] is True
    assert 3 <= STREAM["parts"] <= 5  # stopped within a part or two of the disconnect


@pytest.mark.asyncio
async def test_a_buffered_response_to_a_client_that_left_during_the_view_is_not_an_error(
    settings: Any,
) -> None:
    # No task listens for a disconnect while a buffered response is computed; the server drops what
    # is sent after the client left (uvicorn's send returns), and the handler returns normally.
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = []
    SEEN.clear()
    messages = iter([{"type": "http.request", "body": b"", "more_body": False}, {"type": "http.disconnect"}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(CoreASGIHandler()(scope_for("/probe/"), receive, send), timeout=10)

    assert "view" in SEEN
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
