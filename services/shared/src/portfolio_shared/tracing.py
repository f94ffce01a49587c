"""OpenTelemetry tracing for every process, on only when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set.

One trace follows a request across the platform: a server span per incoming request (Django in
core, FastAPI in the other services), a client span and a W3C ``traceparent`` header on every
outbound ``httpx`` call, the ``traceparent`` stored with each outbox message (so a webhook or REST
delivery made minutes later by the dispatcher continues the request that enqueued it), and Celery
task headers (publish in the document processor's API, run in the worker).

Without the variable nothing is imported or patched, so a process that does not trace pays nothing:
every helper here is then a no-op. The OpenTelemetry packages come with the ``otel`` extra of
``portfolio-shared``, which every service installs. Standard ``OTEL_*`` variables keep their
meaning: ``OTEL_SERVICE_NAME`` overrides the service name, ``OTEL_TRACES_SAMPLER`` /
``OTEL_TRACES_SAMPLER_ARG`` choose the sampler (default: parent-based, always on),
``OTEL_EXPORTER_OTLP_HEADERS`` adds exporter headers.

Use::

    configure_tracing("scraper")          # once per process, before clients are built
    instrument_fastapi(app)               # create_service_app does this
    instrument_django()                   # core's asgi.py, before the ASGI handler loads middleware
    instrument_celery()                   # the worker, in each prefork child (worker_process_init)

Tests pass ``exporter=`` (an ``InMemorySpanExporter``) to trace without an endpoint, then call
:func:`reset_tracing`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

logger = logging.getLogger("portfolio_shared.tracing")

ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
#: Probes and scrapes are not traced: every few seconds, and never the interesting part of a trace.
EXCLUDED_URLS = "/health$,/ready$,/internal/metrics$"
TRACER_NAME = "portfolio_shared"

SpanKindName = Literal["internal", "server", "client", "producer", "consumer"]

_provider: TracerProvider | None = None
_instrumentors: list[Any] = []


def tracing_enabled() -> bool:
    """Whether :func:`configure_tracing` switched tracing on in this process."""
    return _provider is not None


def configure_tracing(service: str, *, exporter: SpanExporter | None = None) -> bool:
    """Switch tracing on for this process when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (or ``exporter``
    is given); return whether it is on. Safe to call twice: the first configuration stays.

    With the endpoint, spans are batched to the OTLP/HTTP exporter and the provider becomes the
    global one; with ``exporter`` (tests) each span is handed over as it ends and no global is set.
    Outbound ``httpx`` calls are instrumented at once, so build clients after calling this.
    """
    global _provider
    if _provider is not None:
        return True
    if exporter is None and not os.environ.get(ENDPOINT_ENV):
        return False

    from opentelemetry import trace
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    # The name given here, unless the operator set OTEL_SERVICE_NAME.
    resource = Resource.create({SERVICE_NAME: service})
    if os.environ.get("OTEL_SERVICE_NAME"):
        resource = resource.merge(Resource({SERVICE_NAME: os.environ["OTEL_SERVICE_NAME"]}))
    provider = TracerProvider(resource=resource)  # the sampler comes from OTEL_TRACES_SAMPLER
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    _provider = provider
    _instrument(HTTPXClientInstrumentor())
    logger.info("tracing on", extra={"otel_service": resource.attributes.get(SERVICE_NAME)})
    return True


def _instrument(instrumentor: Any, **kwargs: Any) -> None:
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=_provider, **kwargs)
        _instrumentors.append(instrumentor)


def instrument_fastapi(app: FastAPI) -> None:
    """Server spans for every HTTP request of ``app`` (probes excluded); no-op when tracing is off."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # No span per ASGI receive/send message: noise on every request, thousands on a Socket.IO connection.
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=_provider, excluded_urls=EXCLUDED_URLS, exclude_spans=["receive", "send"]
    )


def instrument_django() -> None:
    """Server spans for every Django request; call before the WSGI handler loads its middleware."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.django import DjangoInstrumentor

    _instrument(DjangoInstrumentor(), excluded_urls=EXCLUDED_URLS)


def instrument_celery() -> None:
    """Publish and run spans for Celery tasks, the context carried in the task headers.

    Only where the tasks are registered (the worker): the instrumentation's publish hook cannot end
    the span of a task sent by name from a process that does not know it. Such a sender wraps its
    ``send_task`` in :func:`span` and passes :func:`inject_context`'s headers instead.
    """
    if _provider is None:
        return
    from opentelemetry.instrumentation.celery import CeleryInstrumentor

    _instrument(CeleryInstrumentor())  # type: ignore[no-untyped-call]  # the package has no annotations


def reset_tracing() -> None:
    """Undo :func:`configure_tracing` and every instrumentation (tests)."""
    global _provider
    for instrumentor in reversed(_instrumentors):
        instrumentor.uninstrument()
    _instrumentors.clear()
    if _provider is not None:
        _provider.shutdown()
    _provider = None


def inject_context(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Write the current span's ``traceparent`` (and ``tracestate``) into ``headers``; return them."""
    if _provider is not None:
        from opentelemetry import propagate, trace

        if trace.get_current_span().get_span_context().is_valid:
            propagate.inject(headers)
    return headers


@contextmanager
def span(
    name: str,
    *,
    kind: SpanKindName = "internal",
    parent_headers: Mapping[str, str] | None = None,
    attributes: Mapping[str, str | int] | None = None,
) -> Iterator[None]:
    """A span around the block, current inside it; no-op when tracing is off.

    ``parent_headers`` (e.g. an outbox row's stored headers) makes the ``traceparent`` they carry
    the parent, so work done later and elsewhere joins the trace that asked for it.
    """
    if _provider is None:
        yield
        return
    from opentelemetry import propagate, trace

    context = propagate.extract(dict(parent_headers)) if parent_headers else None
    tracer = _provider.get_tracer(TRACER_NAME)
    with tracer.start_as_current_span(
        name, context=context, kind=trace.SpanKind[kind.upper()], attributes=dict(attributes or {})
    ):
        yield


def log_fields(project: str | None) -> dict[str, Any]:
    """The trace fields of a log entry in Cloud Logging's shape, for the span current here.

    ``trace_id`` always; ``logging.googleapis.com/trace`` as ``projects/<project>/traces/<id>`` when
    the project is known (Cloud Logging then links the entry to Cloud Trace), plus the span id and
    whether the trace is sampled. Empty when tracing is off or no span is active.
    """
    if _provider is None:
        return {}
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    trace_id = format(context.trace_id, "032x")
    fields: dict[str, Any] = {"trace_id": trace_id}
    if project:
        fields["logging.googleapis.com/trace"] = f"projects/{project}/traces/{trace_id}"
    fields["logging.googleapis.com/spanId"] = format(context.span_id, "016x")
    fields["logging.googleapis.com/trace_sampled"] = context.trace_flags.sampled
    return fields


__all__ = [
    "ENDPOINT_ENV",
    "EXCLUDED_URLS",
    "configure_tracing",
    "inject_context",
    "instrument_celery",
    "instrument_django",
    "instrument_fastapi",
    "log_fields",
    "reset_tracing",
    "span",
    "tracing_enabled",
]
