"""One trace across core, the document processor and its Celery worker (issue 8's acceptance).

Everything runs for real in this process: core's admin (Django test client) uploads a PDF, core's
``DocumentsClient`` calls the real document processor (its FastAPI app served by uvicorn on a free
port, on a migrated database of its own), the processor enqueues the job on the real Redis broker,
and an in-process Celery worker (solo pool: this test is about context, not PDF isolation) runs the
real pipeline against a real Chroma server. Spans go to an in-memory exporter. The test then follows
parent links from the worker's run span back to core's server span, and checks that the
``document.processed`` webhook waiting in the outbox carries the same trace.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis
import uvicorn
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from fpdf import FPDF
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from outbox.apps import register_core_outbox_collector
from portfolio_shared import tracing
from portfolio_shared.log import configure_logging
from portfolio_shared.sql import run_migrations
from portfolio_shared.testing import temporary_database

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/14"  # the documents tests' db; everything here is under TAG
TAG = f"trace-{uuid.uuid4().hex[:8]}"
TEXT = (
    "Tracing a request across services. The owner's CV describes distributed systems work: "
    "OpenTelemetry spans follow one request from the web tier to the background worker."
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def wait_for(predicate: Any, what: str, timeout: float = 180) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def pdf_bytes() -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, TEXT)
    return bytes(pdf.output())


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``chroma run`` server on a free port, stopped by its pid."""
    directory = tmp_path_factory.mktemp("chroma")
    port = free_port()
    chroma = str(Path(sys.executable).parent / "chroma")
    command = [chroma, "run", "--path", str(directory / "data"), "--port", str(port)]
    with (directory / "chroma.log").open("wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:

            def beating() -> bool:
                assert process.poll() is None, (directory / "chroma.log").read_text()[-2000:]
                try:
                    return httpx.get(f"{url}/api/v2/heartbeat", timeout=1).is_success
                except httpx.TransportError:
                    return False

            wait_for(beating, "chroma's heartbeat", timeout=120)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the session we created for it
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def documents_env(chroma_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A migrated documents database and the environment the processor and its worker read."""
    from config.env import get_settings as core_settings
    from portfolio_documents.config import get_settings
    from portfolio_documents.migrate import SCRIPT_LOCATION

    core_settings()  # cached before the environment below names the documents database
    with temporary_database(prefix="test_trace_documents") as url:
        run_migrations(SCRIPT_LOCATION, url)
        env = {
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "CHROMA_URL": chroma_url,
            "CHROMA_COLLECTION_PREFIX": f"t{TAG[-8:]}",
            "MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),
            "CELERY_QUEUE": TAG,
            "EMBEDDING_PROVIDER": "local",
            "SUMMARY_PROVIDER": "local",
            "ENVIRONMENT": "test",
        }
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            # Celery's Django fixup (on when this variable is set) would close core's test database
            # connections from the worker; the processor's Celery apps here are not core's.
            patch.delenv("DJANGO_SETTINGS_MODULE")
            get_settings.cache_clear()  # the worker's tasks read the settings from the environment
            try:
                yield env
            finally:
                get_settings.cache_clear()
        client = redis.Redis.from_url(REDIS_URL)
        try:
            keys = client.keys(f"{TAG}*")
            if keys:
                client.delete(*keys)
        finally:
            client.close()


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on for this test only: core (Django), the processor (FastAPI), httpx and Celery."""
    exporter = InMemorySpanExporter()
    assert tracing.configure_tracing("platform-test", exporter=exporter)
    tracing.instrument_django()  # adds its middleware; each new test Client loads it
    tracing.instrument_celery()
    try:
        yield exporter
    finally:
        tracing.reset_tracing()


@pytest.fixture
def processor(documents_env: dict[str, str], spans: InMemorySpanExporter, settings: Any) -> Iterator[str]:
    """The real document processor served by uvicorn in a thread; core's DOCUMENTS_URL points at it."""
    from portfolio_documents.config import get_settings
    from portfolio_documents.main import create_app
    from portfolio_documents.metrics import unregister_collectors

    app = create_app(get_settings())
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_config=None, lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="documents-api", daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started, "the document processor to start", timeout=60)
        url = f"http://127.0.0.1:{server.config.port}"
        settings.DOCUMENTS_URL = url
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        # The processor's app registered its scrape-time collectors in this process: core's again.
        unregister_collectors()
        register_core_outbox_collector()


@pytest.fixture
def worker(documents_env: dict[str, str], spans: InMemorySpanExporter) -> Iterator[None]:
    """A Celery worker in this process on the test's queue and the real Redis broker."""
    from portfolio_documents.config import get_settings
    from portfolio_documents.worker import create_celery

    app = create_celery(get_settings())
    app.conf.task_ignore_result = True  # leaves no result key behind in the shared Redis db
    app.loader.import_default_modules()  # the tasks module registers documents.process_job
    try:
        with start_worker(
            app,
            pool="solo",
            perform_ping_check=False,
            queues=[documents_env["CELERY_QUEUE"]],
            loglevel="WARNING",
            shutdown_timeout=60,
        ):
            yield
    finally:
        # The processor's app and the worker reconfigured this process's JSON logs: core's again.
        configure_logging("core", logging.getLevelName(logging.getLogger().level))


def by_id(spans: list[ReadableSpan]) -> dict[int, ReadableSpan]:
    return {span.context.span_id: span for span in spans}


def ancestry(span: ReadableSpan, index: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    """``span``, its parent, its parent's parent... up to the root; fails on a missing parent."""
    chain = [span]
    while chain[-1].parent is not None:
        parent = index.get(chain[-1].parent.span_id)
        assert parent is not None, f"the parent of {chain[-1].name!r} was never exported"
        chain.append(parent)
    return chain


def test_one_trace_from_core_through_the_processor_to_the_worker(
    client: Client,
    django_user_model: Any,
    processor: str,
    worker: None,
    spans: InMemorySpanExporter,
    documents_env: dict[str, str],
) -> None:
    owner = django_user_model.objects.create_superuser("owner", "owner@example.org", "pw")
    client.force_login(owner)
    upload = SimpleUploadedFile("cv.pdf", pdf_bytes(), content_type="application/pdf")
    response = client.post(
        reverse("admin:documents_processingjob_upload_pdf"),
        {"file": upload, "title": "CV", "document_key": f"cv:{TAG}"},
    )
    assert response.status_code == 302, response.content[:2000]

    # The worker ran the job to its end (the pipeline is real: extract, chunk, embed, store).
    def finished() -> tuple[str, ...] | None:
        with psycopg.connect(documents_env["DATABASE_URL"]) as conn:
            row = conn.execute(
                "SELECT state, coalesce(error::text, '') FROM processing_job ORDER BY created_at DESC LIMIT 1"
            ).fetchone()
        return row if row and row[0] in ("succeeded", "partial", "failed") else None

    state, error = wait_for(finished, "the worker to finish the job")
    assert state == "succeeded", error

    run = wait_for(
        lambda: [s for s in spans.get_finished_spans() if s.name == "run/documents.process_job"],
        "the worker's run span",
    )[0]
    finished_spans = list(spans.get_finished_spans())
    index = by_id(finished_spans)
    chain = ancestry(run, index)

    # One trace id from core's request to the task's run.
    assert {span.context.trace_id for span in chain} == {run.context.trace_id}
    root = chain[-1]
    assert "upload-pdf" in root.name

    # The parent links, from the run back to core: the run (consumer) <- Celery's publish (here only
    # because the worker's instrumentation shares this process) <- the processor's own producer span,
    # whose traceparent the task headers carry <- its server span for POST /process/pdf <- core's
    # httpx client span <- core's server span for the admin's upload.
    scopes = [
        (span.kind, span.instrumentation_scope.name if span.instrumentation_scope else "") for span in chain
    ]
    assert scopes == [
        (SpanKind.CONSUMER, "opentelemetry.instrumentation.celery"),
        (SpanKind.PRODUCER, "opentelemetry.instrumentation.celery"),
        (SpanKind.PRODUCER, "portfolio_shared"),
        (SpanKind.SERVER, "opentelemetry.instrumentation.fastapi"),
        (SpanKind.CLIENT, "opentelemetry.instrumentation.httpx"),
        (SpanKind.SERVER, "opentelemetry.instrumentation.django"),
    ], [span.name for span in chain]
    assert chain[0].name == "run/documents.process_job"
    assert chain[3].attributes is not None and chain[3].attributes.get("http.route") == "/process/pdf"

    # The worker's document.processed webhook waits in the outbox with the run's trace context.
    with psycopg.connect(documents_env["DATABASE_URL"]) as conn:
        row = conn.execute(
            "SELECT headers FROM outbox_message WHERE event_type = 'document.processed'"
        ).fetchone()
    assert row is not None
    headers = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    version, trace_id, _parent, _flags = headers["traceparent"].split("-")
    assert (version, int(trace_id, 16)) == ("00", run.context.trace_id)
