"""Test helpers of core's suites: a stand-in HTTP upstream on a free local port.

Core's tests use it in place of the peers core calls (scraper, analytics, document processor): a
threaded ``http.server`` that records every request and answers with a function of the request.
Use it as a context manager; it stops exactly the server it started. Routes that should hang wait
on :attr:`StandIn.release`, which is set when the server stops so no handler thread outlives it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from portfolio_shared.testing_sockets import closed_port, silent_server


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return b"" if self.body is None else json.dumps(self.body).encode()


Route = Callable[[Received], Reply]


class StandIn:
    """A local HTTP server answering ``route(request)``; ``requests`` lists what it received."""

    def __init__(self, route: Route) -> None:
        self.route = route
        self.requests: list[Received] = []
        self.release = threading.Event()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                url = urlsplit(self.path)
                received = Received(
                    method=self.command,
                    path=url.path,
                    query=parse_qs(url.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                stand_in.requests.append(received)
                reply = stand_in.route(received)
                payload = reply.encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.headers.pop("Content-Type", "application/json"))
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout under test): nothing to answer

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def __enter__(self) -> StandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def stand_in(route: Route) -> Iterator[StandIn]:
    """``with stand_in(route) as upstream:`` a running :class:`StandIn`."""
    with StandIn(route) as server:
        yield server


def closed_port_url() -> str:
    """A local URL where nothing listens (the port was free a moment ago): an upstream that is down."""
    return f"http://127.0.0.1:{closed_port()}"


@contextmanager
def unusable_redis(failure: str) -> Iterator[str]:
    """A Redis URL that fails as ``failure`` says: ``"closed port"`` (down) or ``"silent server"``
    (accepts connections and never answers, as a hung Redis does)."""
    if failure == "closed port":
        yield f"redis://127.0.0.1:{closed_port()}/0"
        return
    assert failure == "silent server", failure
    with silent_server() as (host, port):
        yield f"redis://{host}:{port}/0"
