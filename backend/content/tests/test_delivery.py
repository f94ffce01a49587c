"""Content saves and deletions reach a stand-in document processor after it comes back up.

Real pieces throughout: the content is committed to the test database (``transaction=True``:
the dispatcher reads the outbox through its own connection), ``portfolio_shared.outbox.Dispatcher``
delivers it over HTTP to a threaded ``http.server`` on a free port that is first down (nothing
listens) and then up, and each request's bearer token is verified as the document processor would.
A hand-moved clock makes the retry due without sleeping.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
import pytest
from django.db import connection
from psycopg.conninfo import make_conninfo

from config.env import get_settings
from content import indexing
from content.models import Project
from content.tests.support import make_project, make_tech
from portfolio_shared.auth import SignedTokenProvider, signing_key, verify_token
from portfolio_shared.outbox import Dispatcher

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Arrival:
    method: str
    path: str
    body: Any
    authorization: str | None
    idempotency_key: str | None


@dataclass
class StandInProcessor:
    """Records every request; answers 202 to POSTs and 204 to DELETEs. Down until :meth:`start`."""

    port: int
    arrivals: list[Arrival] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        processor = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                arrival = Arrival(
                    self.command,
                    self.path,
                    json.loads(raw) if raw else None,
                    self.headers.get("Authorization"),
                    self.headers.get("Idempotency-Key"),
                )
                with processor._lock:
                    processor.arrivals.append(arrival)
                self.send_response(202 if self.command == "POST" else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_DELETE = _record

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join(timeout=5)
            self._server = None

    def listening(self) -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0


class Clock:
    """Starts a second ahead so that freshly committed messages are due; moved by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url() -> str:
    """The test database (pytest-django already renamed it) as a libpq connection string."""
    s = connection.settings_dict
    return make_conninfo(
        dbname=s["NAME"],
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        user=s["USER"],
        password=s["PASSWORD"],
    )


def empty_outbox() -> None:
    # Raw SQL tables, so the transactional test case's flush does not reach them.
    with psycopg.connect(database_url(), autocommit=True) as conn:
        conn.execute("TRUNCATE outbox_attempt, outbox_message RESTART IDENTITY")


def attempts() -> list[tuple[str, str, int | None, str]]:
    with psycopg.connect(database_url()) as conn:
        rows = conn.execute(
            "SELECT m.path, a.outcome, a.status_code, coalesce(a.error, '') FROM outbox_attempt a "
            "JOIN outbox_message m ON m.id = a.message_id ORDER BY a.id"
        ).fetchall()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


#: Core's own key, as its settings give it (and its public half, as the document processor holds it).
CORE_KEY = signing_key(get_settings())
assert CORE_KEY is not None
CORE_PUBLIC = {"core": [CORE_KEY.public()]}


@pytest.fixture
def processor() -> Iterator[StandInProcessor]:
    p = StandInProcessor(port=free_port())
    yield p
    p.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def dispatcher(processor: StandInProcessor, clock: Clock) -> Iterator[Dispatcher]:
    empty_outbox()
    d = Dispatcher(
        database_url(),
        targets={"documents": processor.url},
        token_provider=SignedTokenProvider("core", CORE_KEY),
        timeout=5.0,
        backoff_base=1.0,
        backoff_max=4.0,
        clock=clock,
        jitter=lambda cap: cap,  # the top of the jitter range: the retry is due after exactly `cap`
    )
    yield d
    d.close()
    empty_outbox()


def assert_service_token(arrival: Arrival) -> None:
    assert arrival.authorization is not None and arrival.authorization.startswith("Bearer ")
    token = arrival.authorization.removeprefix("Bearer ")
    principal = verify_token(token, audience="documents", keys=CORE_PUBLIC)
    assert principal.caller == "core" and principal.claims["aud"] == "documents"


def test_a_save_and_a_deletion_reach_the_processor_after_it_comes_back_up(
    processor: StandInProcessor, dispatcher: Dispatcher, clock: Clock
) -> None:
    torch = make_tech("PyTorch")
    empty_outbox()  # only the project's own messages from here on
    project = make_project(
        "rag-assistant",
        title="RAG assistant",
        body="## How\n\nHybrid search.",
        repository_url="https://github.com/someone/rag-assistant",
        technologies=(torch,),
    )

    assert not processor.listening()
    assert dispatcher.run_once() == 0  # down: both attempts fail and are recorded
    recorded = attempts()
    assert sorted(path for path, *_ in recorded) == ["/process/github", "/process/text"]
    for _, outcome, status, error in recorded:
        assert outcome == "retry" and status is None and "ConnectError" in error
    assert processor.arrivals == []

    processor.start()
    clock.advance(2)  # the retry (1 s backoff) is now due
    assert dispatcher.run_once() == 2
    assert dispatcher.run_once() == 0

    project.delete()
    assert dispatcher.run_once() == 2
    assert dispatcher.run_once() == 0

    seen = sorted((a.method, a.path) for a in processor.arrivals)
    assert seen == [
        ("DELETE", "/documents/project%3Arag-assistant"),
        ("DELETE", "/documents/project%3Arag-assistant%3Areadme"),
        ("POST", "/process/github"),
        ("POST", "/process/text"),
    ]  # each exactly once
    for arrival in processor.arrivals:
        assert_service_token(arrival)
    assert len({a.idempotency_key for a in processor.arrivals}) == 4
    [text] = [a for a in processor.arrivals if a.path == "/process/text"]
    assert text.body["document_key"] == "project:rag-assistant" and text.body["format"] == "markdown"
    assert "## How\n\nHybrid search." in text.body["text"] and "Technologies: PyTorch" in text.body["text"]
    assert text.body["source_url"].endswith("/projects/rag-assistant")
    [readme] = [a for a in processor.arrivals if a.path == "/process/github"]
    assert readme.body["repo"] == "https://github.com/someone/rag-assistant"
    assert readme.body["document_key"] == "project:rag-assistant:readme"
    assert [a.body for a in processor.arrivals if a.method == "DELETE"] == [None, None]


def test_edits_while_the_processor_is_down_arrive_once_with_the_latest_content(
    processor: StandInProcessor, dispatcher: Dispatcher, clock: Clock
) -> None:
    project = make_project("evalkit", title="First")
    assert dispatcher.run_once() == 0  # down
    for title in ("Second", "Third"):
        project.title = title
        project.save()
    assert dispatcher.run_once() == 0  # still down

    processor.start()
    clock.advance(10)
    assert dispatcher.run_once() == 1
    assert dispatcher.run_once() == 0
    [arrival] = processor.arrivals
    assert arrival.path == "/process/text" and arrival.body["title"] == "Third"
    assert_service_token(arrival)


def test_a_failed_enqueue_rolls_the_content_back(monkeypatch: pytest.MonkeyPatch) -> None:
    # Autocommit mode (no test transaction here): without the model's own atomic save the row
    # would already be committed when post_save runs, and the message lost.
    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(indexing, "enqueue_call", broken)
    with pytest.raises(RuntimeError):
        Project.objects.create(slug="orphan", title="Orphan")
    assert not Project.objects.filter(slug="orphan").exists()
