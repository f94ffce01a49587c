"""A real HTTP(S) server on a free local port, answering from a route table, for the fetch tests.

Handlers get the request (method, path, headers) and return a :class:`Reply`; every request is
recorded so a test can assert what reached the server (and what never did).
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Reply:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: Send ``Content-Length`` of ``len(body)`` (bytes bodies only); chunked otherwise.
    content_length: bool = True
    delay: float = 0.0


Handler = Callable[[Seen], Reply]


class FakeUpstream:
    def __init__(self, routes: dict[str, Handler | Reply], ssl_context: ssl.SSLContext | None = None):
        self.routes = routes
        self.seen: list[Seen] = []
        upstream = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet test output
                pass

            def do_GET(self) -> None:
                seen = Seen("GET", self.path, {k.lower(): v for k, v in self.headers.items()})
                upstream.seen.append(seen)
                route = upstream.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    reply = Reply(404, b'{"message": "Not Found"}', {"Content-Type": "application/json"})
                else:
                    reply = route(seen) if callable(route) else route
                if reply.delay:
                    time.sleep(reply.delay)
                # The client may hang up early (a size or time limit): that is what such a test wants.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._send(reply)

            def _send(self, reply: Reply) -> None:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if isinstance(reply.body, bytes) and reply.content_length:
                    if "Content-Length" not in reply.headers:
                        self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                    return
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                parts = [reply.body] if isinstance(reply.body, bytes) else reply.body
                for part in parts:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.server.daemon_threads = True
        if ssl_context is not None:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
        self.port: int = self.server.server_address[1]
        self.scheme = "https" if ssl_context else "http"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def paths(self) -> list[str]:
        return [seen.path for seen in self.seen]

    def start(self) -> FakeUpstream:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)


@contextmanager
def fake_upstream(
    routes: dict[str, Handler | Reply], ssl_context: ssl.SSLContext | None = None
) -> Iterator[FakeUpstream]:
    upstream = FakeUpstream(routes, ssl_context).start()
    try:
        yield upstream
    finally:
        upstream.stop()
