"""Chroma token auth: with ``CHROMA_AUTH_TOKEN`` the document processor sends the token on every
Chroma call. Chroma 1.x's server checks no credentials, so production puts an nginx proxy in front
of it that does (infrastructure/kubernetes/chroma-auth-proxy.conf.template, run for real by
tests/infra/test_chroma_auth_proxy.py); here a small one in front of the session's real Chroma
server refuses any request without the token, as that proxy does."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import httpx
import pytest
from conftest import free_port

from portfolio_documents import runtime
from portfolio_documents.config import DocumentsSettings
from portfolio_documents.processing.index.store import open_chroma

TOKEN = "chroma-token-for-tests-0123456789"
HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "content-encoding"}


@pytest.fixture(scope="module")
def guarded_chroma(chroma_url: str) -> Iterator[str]:
    """A reverse proxy to ``chroma_url`` answering 401 unless ``Authorization: Bearer TOKEN``."""
    upstream = httpx.Client(base_url=chroma_url, timeout=30)

    class Proxy(http.server.BaseHTTPRequestHandler):
        def _forward(self) -> None:
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            reply = upstream.request(self.command, self.path, content=body, headers=headers)
            self.send_response(reply.status_code)
            for key, value in reply.headers.items():
                if key.lower() not in (
                    "content-length",
                    "transfer-encoding",
                    "connection",
                    "content-encoding",
                ):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(reply.content)))
            self.end_headers()
            self.wfile.write(reply.content)

        do_GET = do_POST = do_PUT = do_DELETE = _forward

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        upstream.close()


def test_the_token_opens_a_guarded_chroma_and_its_absence_does_not(guarded_chroma: str) -> None:
    assert isinstance(open_chroma(guarded_chroma, token=TOKEN).list_collections(), list)
    with pytest.raises(Exception):  # noqa: B017 - chromadb raises what its HTTP layer gives it
        open_chroma(guarded_chroma).list_collections()
    assert httpx.get(f"{guarded_chroma}/api/v2/heartbeat").status_code == 401  # the proxy is in force


def test_the_setting_reaches_the_client(guarded_chroma: str) -> None:
    settings = DocumentsSettings(CHROMA_URL=guarded_chroma, CHROMA_AUTH_TOKEN=TOKEN)
    client = runtime.chroma(settings)
    name = "auth-check-collection"
    client.get_or_create_collection(name, embedding_function=None)
    assert name in [c.name for c in client.list_collections()]
    client.delete_collection(name)
