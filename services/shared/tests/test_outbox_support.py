"""Helpers of the outbox tests: a throwaway database, a real HTTP receiver, a settable clock.

Not a test module itself (nothing here is collected); the outbox test modules import it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
from psycopg.rows import dict_row

from portfolio_shared.errors import WebhookVerificationError
from portfolio_shared.outbox import OUTBOX_DDL
from portfolio_shared.testing import temporary_database
from portfolio_shared.webhooks import verify

SECRETS = ["whsec_" + "c2VjcmV0LW5ld2VzdA==", "older-secret"]


@contextmanager
def temp_database(label: str) -> Iterator[str]:
    """Create a uniquely named database with the outbox tables; drop it afterwards."""
    with temporary_database(prefix=f"test_outbox_{label}") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(OUTBOX_DDL)
            conn.execute(OUTBOX_DDL)  # the DDL is idempotent: a second migration run is harmless
        yield url


def truncate(url: str) -> None:
    """Empty the outbox tables between tests."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE outbox_attempt, outbox_message RESTART IDENTITY")


def message(url: str, msg_id: str) -> dict[str, Any]:
    """The ``outbox_message`` row of ``msg_id``."""
    with psycopg.connect(url, row_factory=dict_row) as conn:
        row = conn.execute("SELECT * FROM outbox_message WHERE msg_id = %s", (msg_id,)).fetchone()
    assert row is not None, msg_id
    return row


def attempts(url: str, msg_id: str) -> list[dict[str, Any]]:
    """The ``outbox_attempt`` rows of ``msg_id`` in attempt order."""
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(
            "SELECT a.* FROM outbox_attempt a JOIN outbox_message m ON m.id = a.message_id "
            "WHERE m.msg_id = %s ORDER BY a.attempt, a.id",
            (msg_id,),
        ).fetchall()


class FakeClock:
    """A clock the test moves by hand; starts a second ahead so freshly enqueued rows are due."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@dataclass
class Arrival:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    webhook_id: str | None

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


Reply = tuple[int, dict[str, str]]


@dataclass
class Receiver:
    """A real threaded HTTP server that verifies webhook signatures and records every arrival.

    ``reply`` decides each answer (default 204); ``gate``, when set, holds every request until it
    is opened. The port survives :meth:`stop` / :meth:`start`, so a "down" receiver comes back at
    the same URL.
    """

    secrets: list[str] = field(default_factory=lambda: list(SECRETS))
    reply: Callable[[Arrival], Reply] = lambda _a: (204, {})
    gate: threading.Event | None = None
    arrivals: list[Arrival] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                if receiver.gate is not None:
                    receiver.gate.wait(timeout=30)
                webhook_id = None
                if "webhook-id" in headers:
                    try:
                        webhook_id = verify(receiver.secrets, headers, body)
                    except WebhookVerificationError as exc:
                        with receiver._lock:
                            receiver.rejected.append(exc.error_code)
                        self._answer(401, {})
                        return
                arrival = Arrival(self.command, self.path, headers, body, webhook_id)
                with receiver._lock:
                    receiver.arrivals.append(arrival)
                self._answer(*receiver.reply(arrival))

            def _answer(self, status: int, extra: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_PUT = do_PATCH = do_DELETE = do_GET = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join(timeout=5)
            self._server = None

    def ids(self) -> Counter[str]:
        """How many times each webhook id (or Idempotency-Key) arrived."""
        with self._lock:
            return Counter(a.webhook_id or a.headers.get("idempotency-key", "") for a in self.arrivals)

    def refuses_connections(self) -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) != 0


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` passes (a bound, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
