"""A fake arXiv + Hugging Face + Papers with Code, on one free port, scriptable per test.

``FakeUpstreams`` runs a threaded ``http.server`` on 127.0.0.1 (the OS picks the port) and serves

- ``/arxiv/api/query`` (``arxiv_url``): filters ``arxiv.entries`` by the ``cat:`` terms and the
  ``submittedDate:[… TO …]`` window of ``search_query``, newest first, pages them by
  ``start``/``max_results``, in the Atom of ``arxiv.generation`` ("new" or "old");
- ``/hf/api/daily_papers`` (``hf_url``): ``hf.days[date]`` paged by ``p``/``limit`` (≤ 100);
- ``/pwc/api/v1/papers/recent|trending`` (``pwc_url``): ``pwc.recent``/``pwc.trending`` as
  ``{count, next, previous, results}`` pages (``page``/``page_size``, ``next`` an absolute URL).

Each API has a ``script`` of one-shot replies served before the default behaviour, in order, each
optionally only for the requests its ``match(query)`` accepts; helpers push the usual troubles
(``throttle`` with ``Retry-After``, ``error`` feeds, ``empty_page``, ``malformed``, ``truncated``,
delays for timeouts). Every request is recorded with the server's own clock at arrival
(``time.monotonic`` unless a ``clock`` is given, e.g. a :class:`VirtualClock` shared with the client)
so tests can assert spacing on the server's side, and ``max_in_flight`` shows concurrency.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from upstream_formats import ArxivEntry, Generation, atom_feed, error_feed

ARXIV_PATH = "/arxiv/api/query"
HF_PREFIX = "/hf/api"
PWC_PREFIX = "/pwc/api/v1"
ATOM = "application/atom+xml; charset=utf-8"

Query = dict[str, str]
Matcher = Callable[[Query], bool]


class VirtualClock:
    """Time that only moves when someone sleeps: share it between client and server for instant tests."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


@dataclass
class Reply:
    status: int = 200
    body: Any = b""  # bytes as they are, str as UTF-8, anything else as JSON
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    delay: float = 0.0  # real seconds before answering (timeouts)

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass
class Recorded:
    api: str  # "arxiv" | "hf" | "pwc" | "unknown"
    path: str
    query: Query
    at: float  # the server's clock when the request arrived
    status: int | None = None


ScriptItem = Reply | Callable[[Query], Reply]


class Script:
    """One-shot replies, served in order to the requests they match."""

    def __init__(self) -> None:
        self._items: list[tuple[ScriptItem, Matcher | None]] = []
        self._lock = threading.Lock()

    def push(self, reply: ScriptItem, *, times: int = 1, match: Matcher | None = None) -> None:
        with self._lock:
            self._items.extend([(reply, match)] * times)

    def take(self, query: Query) -> Reply | None:
        with self._lock:
            for index, (item, match) in enumerate(self._items):
                if match is None or match(query):
                    del self._items[index]
                    return item(query) if callable(item) else item
        return None

    @property
    def pending(self) -> int:
        return len(self._items)


def _throttle(status: int, retry_after: float | None) -> Reply:
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
    return Reply(status=status, body={"error": "Too Many Requests"}, headers=headers)


class ArxivFake:
    def __init__(self) -> None:
        self.entries: list[ArxivEntry] = []
        self.generation: Generation = "new"
        self.delay = 0.0  # real seconds before each default answer
        self.script = Script()

    def throttle(self, *, status: int = 429, retry_after: float | None = 7, times: int = 1) -> None:
        self.script.push(_throttle(status, retry_after), times=times)

    def error(self, message: str, *, generation: Generation | None = None, times: int = 1) -> None:
        """The error feed: HTTP 400 from the new backend, HTTP 200 from the old one."""
        generation = generation or self.generation
        status = 400 if generation == "new" else 200
        reply = Reply(status=status, body=error_feed(message, generation=generation), content_type=ATOM)
        self.script.push(reply, times=times)

    def empty_page(self, *, times: int = 1, match: Matcher | None = None) -> None:
        """The flake: a page with the right ``totalResults`` and no entries."""
        self.script.push(lambda query: self.page(query, empty=True), times=times, match=match)

    def malformed(self, *, times: int = 1) -> None:
        body = atom_feed(self.entries[:3], total=len(self.entries), generation=self.generation)
        self.script.push(Reply(body=body[: len(body) // 2], content_type=ATOM), times=times)

    def respond(self, query: Query) -> Reply:
        return self.script.take(query) or self.page(query)

    def page(self, query: Query, *, empty: bool = False) -> Reply:
        selection = self.select(query.get("search_query", ""))
        try:
            start, size = int(query.get("start", "0")), int(query.get("max_results", "10"))
        except ValueError:
            selection, start, size = None, 0, 0
        if selection is None or start < 0 or size < 0:
            return Reply(
                status=400 if self.generation == "new" else 200,
                body=error_feed("malformed query", generation=self.generation),
                content_type=ATOM,
            )
        rows = [] if empty else selection[start : start + size]
        body = atom_feed(
            rows,
            total=len(selection),
            start=start,
            per_page=size,
            query=urlencode(query),
            generation=self.generation,
        )
        return Reply(body=body, content_type=ATOM, delay=self.delay)

    def select(self, search_query: str) -> list[ArxivEntry] | None:
        categories = set(re.findall(r"cat:([A-Za-z.\-]+)", search_query))
        window = re.search(r"submittedDate:\[(\d{12}) TO (\d{12})\]", search_query)
        if not categories and not window:
            return None
        rows = [e for e in self.entries if not categories or categories & set(e.categories)]
        if window:
            low, high = (datetime.strptime(v, "%Y%m%d%H%M").replace(tzinfo=UTC) for v in window.groups())
            rows = [e for e in rows if low <= e.published.replace(second=0, microsecond=0) <= high]
        return sorted(rows, key=lambda e: e.published, reverse=True)


class HuggingFaceFake:
    def __init__(self) -> None:
        self.days: dict[str, list[dict[str, Any]]] = {}
        self.delay = 0.0  # real seconds before each default answer
        self.script = Script()

    @staticmethod
    def on(day: str) -> Matcher:
        return lambda query: query.get("date") == day

    def throttle(self, *, retry_after: float | None = 5, times: int = 1, day: str | None = None) -> None:
        self.script.push(_throttle(429, retry_after), times=times, match=self.on(day) if day else None)

    def truncated(self, day: str, *, times: int = 1) -> None:
        """A 200 whose JSON body is cut short."""
        body = json.dumps(self.days.get(day) or [{"paper": {"id": "2611.00001"}}]).encode()
        self.script.push(Reply(body=body[: max(1, len(body) // 2)]), times=times, match=self.on(day))

    def respond(self, path: str, query: Query) -> Reply:
        if path.rstrip("/") != "/daily_papers":
            return Reply(status=404, body={"error": "Not Found"})
        scripted = self.script.take(query)
        if scripted:
            return scripted
        page, limit = int(query.get("p", "0")), int(query.get("limit", "50"))
        if limit > 100:
            return Reply(status=400, body={"error": "limit must be <= 100"})
        rows = self.days.get(query.get("date", ""), [])
        return Reply(body=rows[page * limit : (page + 1) * limit], delay=self.delay)


class PwcFake:
    def __init__(self) -> None:
        self.recent: list[dict[str, Any]] = []
        self.trending: list[dict[str, Any]] = []
        self.script = Script()

    @staticmethod
    def on(endpoint: str) -> Matcher:
        return lambda query: query.get("_path") == endpoint

    def throttle(self, *, status: int = 429, retry_after: float | None = 2, times: int = 1) -> None:
        self.script.push(_throttle(status, retry_after), times=times)

    def respond(self, path: str, query: Query, base: str) -> Reply:
        endpoint = path.strip("/")
        scripted = self.script.take({**query, "_path": endpoint})
        if scripted:
            return scripted
        rows = {"papers/recent": self.recent, "papers/trending": self.trending}.get(endpoint)
        if rows is None:
            return Reply(status=404, body={"detail": "Not found."})
        page = int(query.get("page", "1"))
        size = int(query.get("page_size") or query.get("limit") or "50")

        def link(number: int) -> str:
            return f"{base}{PWC_PREFIX}/{endpoint}?{urlencode({**query, 'page': number})}"

        more = page * size < len(rows)
        return Reply(
            body={
                "count": len(rows),
                "next": link(page + 1) if more else None,
                "previous": link(page - 1) if page > 1 else None,
                "results": rows[(page - 1) * size : page * size],
            }
        )


class FakeUpstreams:
    """The three fakes behind one server; use as a context manager (or ``start``/``stop``)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.arxiv = ArxivFake()
        self.hf = HuggingFaceFake()
        self.pwc = PwcFake()
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}
        self._max_in_flight: dict[str, int] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FakeUpstreams:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        self._server = server
        # A short poll interval: shutdown() waits for it, once per test.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-upstreams", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeUpstreams:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "FakeUpstreams is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def arxiv_url(self) -> str:
        return self.url + ARXIV_PATH

    @property
    def hf_url(self) -> str:
        return self.url + HF_PREFIX

    @property
    def pwc_url(self) -> str:
        return self.url + PWC_PREFIX

    def env(self) -> dict[str, str]:
        """The scraper's settings pointing at this fake (and allowing a private address)."""
        return {
            "ARXIV_API_URL": self.arxiv_url,
            "HF_API_URL": self.hf_url,
            "PWC_API_URL": self.pwc_url,
            "OUTBOUND_ALLOW_PRIVATE": "true",
        }

    # -- what happened ---------------------------------------------------------------------------
    def requests_to(self, api: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.api == api]

    def gaps(self, api: str) -> list[float]:
        """Seconds between consecutive arrivals of ``api`` requests, on the server's clock."""
        times = [r.at for r in self.requests_to(api)]
        return [later - earlier for earlier, later in itertools.pairwise(times)]

    def max_in_flight(self, api: str) -> int:
        return self._max_in_flight.get(api, 0)

    def clear(self) -> None:
        """Forget recorded requests and pending scripts (the data stays)."""
        with self._lock:
            self.requests.clear()
            self._max_in_flight.clear()
        for fake in (self.arxiv, self.hf, self.pwc):
            fake.script = Script()

    # -- serving ---------------------------------------------------------------------------------
    def _arrive(self, path: str, query: Query) -> Recorded:
        if path == ARXIV_PATH:
            api = "arxiv"
        elif path.startswith(HF_PREFIX + "/"):
            api = "hf"
        elif path.startswith(PWC_PREFIX + "/"):
            api = "pwc"
        else:
            api = "unknown"
        with self._lock:
            record = Recorded(api=api, path=path, query=query, at=self.clock())
            self.requests.append(record)
            self._in_flight[api] = self._in_flight.get(api, 0) + 1
            self._max_in_flight[api] = max(self._max_in_flight.get(api, 0), self._in_flight[api])
        return record

    def _leave(self, api: str) -> None:
        with self._lock:
            self._in_flight[api] -= 1

    def _reply(self, record: Recorded) -> Reply:
        if record.api == "arxiv":
            return self.arxiv.respond(record.query)
        if record.api == "hf":
            return self.hf.respond(record.path[len(HF_PREFIX) :], record.query)
        if record.api == "pwc":
            return self.pwc.respond(record.path[len(PWC_PREFIX) :], record.query, self.url)
        return Reply(status=404, body={"error": "no such fake upstream"})


def _handler(fake: FakeUpstreams) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as httpx's pool expects

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            record = fake._arrive(parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)))
            try:
                reply = fake._reply(record)
                record.status = reply.status
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.encoded()
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up (a timeout test); nothing to answer to.
                self.close_connection = True
            finally:
                fake._leave(record.api)

    return Handler


class RecordingProgress:
    """A ``Progress`` that keeps every update and the latest figures."""

    def __init__(self) -> None:
        self.updates: list[dict[str, int]] = []
        self.fetched: int | None = None
        self.total: int | None = None
        self.page: int | None = None

    def update(
        self, *, fetched: int | None = None, total: int | None = None, page: int | None = None
    ) -> None:
        figures = {"fetched": fetched, "total": total, "page": page}
        self.updates.append({k: v for k, v in figures.items() if v is not None})
        self.fetched = self.fetched if fetched is None else fetched
        self.total = self.total if total is None else total
        self.page = self.page if page is None else page


def closed_port_url() -> str:
    """A local URL nobody listens on (the port was free a moment ago)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
