"""Tracing: off without an endpoint; with it, Cloud Logging's trace fields on log lines, server spans
that continue an incoming ``traceparent``, and outbox deliveries that continue the enqueuing trace
(real Postgres, a real HTTP receiver, spans in an in-memory exporter)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from test_outbox_support import SECRETS, FakeClock, Receiver, temp_database

from portfolio_shared import tracing
from portfolio_shared.fastapi_app import create_service_app
from portfolio_shared.log import JsonFormatter
from portfolio_shared.outbox import Dispatcher, enqueue
from portfolio_shared.settings import ServiceSettings

INCOMING_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
INCOMING = f"00-{INCOMING_TRACE}-00f067aa0ba902b7-01"


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    monkeypatch.delenv(tracing.ENDPOINT_ENV, raising=False)
    exporter = InMemorySpanExporter()
    assert tracing.configure_tracing("test-service", exporter=exporter)
    try:
        yield exporter
    finally:
        tracing.reset_tracing()


def record(message: str = "hello") -> logging.LogRecord:
    return logging.LogRecord("portfolio.test", logging.INFO, __file__, 1, message, None, None)


def test_off_without_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(tracing.ENDPOINT_ENV, raising=False)
    assert tracing.configure_tracing("test-service") is False
    assert not tracing.tracing_enabled()
    with tracing.span("nothing", kind="producer"):
        assert tracing.inject_context({}) == {}
        assert tracing.log_fields("my-project") == {}
    entry = json.loads(JsonFormatter("svc", project="my-project").format(record()))
    assert not any("trace" in key or "span" in key.lower() for key in entry)


def test_log_lines_carry_cloud_loggings_trace_fields(spans: InMemorySpanExporter) -> None:
    with tracing.span("work"):
        with_project = json.loads(JsonFormatter("svc", project="my-project").format(record()))
        without = json.loads(JsonFormatter("svc", project="").format(record()))
    [work] = spans.get_finished_spans()
    trace_id = f"{work.context.trace_id:032x}"
    span_id = f"{work.context.span_id:016x}"
    assert with_project["logging.googleapis.com/trace"] == f"projects/my-project/traces/{trace_id}"
    assert with_project["logging.googleapis.com/spanId"] == span_id
    assert with_project["logging.googleapis.com/trace_sampled"] is True
    assert with_project["trace_id"] == trace_id
    # No project known: the bare trace id only (Cloud Logging's field needs the project).
    assert "logging.googleapis.com/trace" not in without
    assert without["trace_id"] == trace_id and without["logging.googleapis.com/spanId"] == span_id
    # Outside any span: no trace fields at all.
    outside = json.loads(JsonFormatter("svc", project="my-project").format(record()))
    assert "trace_id" not in outside and "logging.googleapis.com/spanId" not in outside


def test_the_project_comes_from_google_cloud_project(
    spans: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "from-env")
    with tracing.span("work"):
        entry = json.loads(JsonFormatter("svc").format(record()))
    assert entry["logging.googleapis.com/trace"].startswith("projects/from-env/traces/")


async def test_a_fastapi_service_continues_the_incoming_trace(spans: InMemorySpanExporter) -> None:
    app = create_service_app(service="traced", settings=ServiceSettings(service_name="traced"), title="t")

    @app.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://traced") as client:
        assert (await client.get("/things/7", headers={"traceparent": INCOMING})).status_code == 200
        assert (await client.get("/health")).status_code == 200  # probes are not traced
    server = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert [s.name for s in server] == ["GET /things/{thing_id}"]
    assert f"{server[0].context.trace_id:032x}" == INCOMING_TRACE
    assert server[0].parent is not None and server[0].parent.span_id == 0x00F067AA0BA902B7


@pytest.fixture(scope="module")
def db_url() -> Iterator[str]:
    with temp_database("tracing") as url:
        yield url


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def test_an_outbox_delivery_continues_the_trace_that_enqueued_it(
    spans: InMemorySpanExporter, db_url: str, receiver: Receiver
) -> None:
    with tracing.span("the request", kind="server"), psycopg.connect(db_url) as conn, conn.cursor() as cur:
        msg_id = enqueue(cur, destination="core", path="/api/webhooks/ping/", event_type="ping", payload={})
    [request] = spans.get_finished_spans()
    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT headers FROM outbox_message WHERE msg_id = %s", (msg_id,)).fetchone()
    assert row is not None
    stored = row[0]["traceparent"].split("-")
    assert stored[1:3] == [f"{request.context.trace_id:032x}", f"{request.context.span_id:016x}"]

    # The dispatcher builds its HTTP client after tracing is on, as the dispatcher process does.
    with Dispatcher(
        db_url, targets={"core": receiver.url}, webhook_secrets={"core": SECRETS}, clock=FakeClock()
    ) as dispatcher:
        assert dispatcher.run_once() == 1
    [arrival] = receiver.arrivals
    assert arrival.webhook_id == msg_id  # still a valid signed webhook
    _, trace_id, parent_id, _ = arrival.headers["traceparent"].split("-")
    assert int(trace_id, 16) == request.context.trace_id

    by_id = {s.context.span_id: s for s in spans.get_finished_spans()}
    sent_by = by_id[int(parent_id, 16)]  # the httpx client span of the delivery
    assert sent_by.kind is SpanKind.CLIENT
    assert sent_by.parent is not None
    deliver = by_id[sent_by.parent.span_id]
    assert deliver.name == "outbox deliver core" and deliver.kind is SpanKind.PRODUCER
    assert deliver.parent is not None and deliver.parent.span_id == request.context.span_id
