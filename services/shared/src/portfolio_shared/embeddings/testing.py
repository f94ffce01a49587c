"""A local stand-in for Vertex AI's REST API, for tests that drive the real google-genai SDK.

It answers the two calls the platform makes, in Vertex's own response shapes:

- ``POST .../publishers/google/models/{model}:predict`` (text embeddings):
  ``{"predictions": [{"embeddings": {"values": [...], "statistics": {"token_count", "truncated"}}}],
  "metadata": {"billableCharacterCount"}}``; each vector is a deterministic function of the text
  (:meth:`FakeVertexServer.vector_for`), deliberately not unit length;
- ``POST .../publishers/google/models/{model}:generateContent`` (Gemini):
  ``{"candidates": [{"content": {"role": "model", "parts": [{"text"}]}, "finishReason": "STOP"}],
  "usageMetadata": {...}, "modelVersion": ...}``;
- ``POST .../publishers/google/models/{model}:streamGenerateContent?alt=sse`` (Gemini, streamed):
  the same answer as server-sent events, one ``data: {...}`` per word of ``generated_text``.

Errors are answered in Google's envelope ``{"error": {"code", "message", "status"}}``. Every request
is recorded (path, headers, JSON body). No pytest in here::

    with FakeVertexServer() as fake:
        provider = VertexEmbeddingProvider(project="p", location="l", base_url=fake.url,
                                           credentials=fake.credentials())
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
FAKE_TOKEN = "fake-vertex-access-token"  # noqa: S105 - a test bearer token, checked by the fake server


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake server received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeVertexServer:
    """A threaded HTTP server on a free 127.0.0.1 port speaking Vertex's predict/generateContent."""

    def __init__(self, *, dimension: int = 768, generated_text: str = "A short summary.") -> None:
        self.dimension = dimension
        self.generated_text = generated_text
        self.requests: list[RecordedRequest] = []
        #: Replace the whole JSON answer of a call: ``hook(path, body) -> (status, answer)``, or None.
        self.override: Callable[[str, dict[str, Any]], tuple[int, dict[str, Any]] | None] | None = None
        self._failures: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        """The base URL to hand the SDK (``http_options.base_url``)."""
        return f"http://127.0.0.1:{self._server.server_port}/"

    @staticmethod
    def credentials() -> Credentials:
        """OAuth credentials holding a fixed token, so the SDK sends it without asking Google."""
        from google.oauth2.credentials import Credentials

        return Credentials(token=FAKE_TOKEN)  # type: ignore[no-untyped-call]  # google-auth is partly typed

    @staticmethod
    def vector_for(text: str, dimension: int = 768) -> list[float]:
        """The deterministic, non-normalised vector the fake answers for ``text``."""
        seed = hashlib.sha256(text.encode()).digest()
        return [((seed[i % len(seed)] + i) % 17 - 8) * 0.5 + 0.25 for i in range(dimension)]

    def fail_next(self, status: int, *, times: int = 1, message: str = "injected failure") -> None:
        """Answer the next ``times`` requests with ``status`` in Google's error envelope."""
        with self._lock:
            self._failures.extend([(status, message)] * times)

    def start(self) -> FakeVertexServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> FakeVertexServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- answers ---------------------------------------------------------------------------------

    def _answer(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(RecordedRequest(path, headers, body))
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            return self._error(*failure)
        if headers.get("authorization") != f"Bearer {FAKE_TOKEN}":
            return self._error(401, "Request had invalid authentication credentials.")
        if self.override is not None:
            answer = self.override(path, body)
            if answer is not None:
                return answer
        if path.endswith(":predict"):
            return 200, self._predict(body)
        if path.split("?")[0].endswith((":generateContent", ":streamGenerateContent")):
            return 200, self._generate()
        return self._error(404, f"No route for {path}.")

    @staticmethod
    def _error(status: int, message: str) -> tuple[int, dict[str, Any]]:
        return status, {
            "error": {"code": status, "message": message, "status": STATUS_NAMES.get(status, "UNKNOWN")}
        }

    def _predict(self, body: dict[str, Any]) -> dict[str, Any]:
        instances = body.get("instances") or []
        predictions = [
            {
                "embeddings": {
                    "values": self.vector_for(str(item.get("content", "")), self.dimension),
                    "statistics": {
                        "token_count": len(str(item.get("content", "")).split()),
                        "truncated": False,
                    },
                }
            }
            for item in instances
        ]
        characters = sum(len(str(item.get("content", ""))) for item in instances)
        return {"predictions": predictions, "metadata": {"billableCharacterCount": characters}}

    def _generate(self) -> dict[str, Any]:
        return {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": self.generated_text}]},
                    "finishReason": "STOP",
                    "avgLogprobs": -0.12,
                }
            ],
            "usageMetadata": {"promptTokenCount": 120, "candidatesTokenCount": 30, "totalTokenCount": 150},
            "modelVersion": "gemini-2.5-flash",
            "createTime": "2026-11-29T00:00:00.000000Z",
            "responseId": "fake-response",
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer = fake._answer(self.path, headers, body)
                if status == 200 and ":streamGenerateContent" in self.path:
                    self._stream(answer)
                    return
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, answer: dict[str, Any]) -> None:
                """The answer as Vertex streams it: one SSE ``data:`` event per word of its text."""
                text = answer["candidates"][0]["content"]["parts"][0]["text"]
                words = [word + " " for word in text.split(" ")]
                words[-1] = words[-1][:-1]
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for n, word in enumerate(words, start=1):
                    last = n == len(words)
                    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": word}]}}
                    if last:
                        candidate["finishReason"] = "STOP"
                    event = {**answer, "candidates": [candidate]}
                    self.wfile.write(b"data: " + json.dumps(event).encode() + b"\r\n\r\n")
                    self.wfile.flush()
                self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        return Handler
