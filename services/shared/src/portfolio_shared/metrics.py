"""Prometheus metrics served at ``/internal/metrics`` by every service.

HTTP metrics are labelled by the route *template* (``/papers/{arxiv_id}``), never the raw path, so
the label set stays bounded. Services add their own job metrics to the same default registry.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest

METRICS_PATH = "/internal/metrics"
#: Probe and scrape paths: their access lines are DEBUG, so probes every few seconds do not drown
#: the access log (FastAPI's and Django's request-id middlewares both use it).
QUIET_PATHS = frozenset({"/health", "/ready", METRICS_PATH})

HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests handled, by route template, method and status.",
    ["service", "route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency, by route template and method.",
    ["service", "route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UNMATCHED_ROUTE = "<unmatched>"

#: The receiver's side of webhook failures (the sender's is ``outbox_failed_total``).
WEBHOOK_VERIFICATION_FAILURES = Counter(
    "webhook_verification_failures_total",
    "Incoming webhooks rejected by signature or timestamp verification, by sender and error code.",
    ["sender", "code"],
)


#: The labelled children of both HTTP metrics, by label values: ``labels()`` validates and looks
#: them up under a lock on every call, which is a noticeable part of a fast request.
_HTTP_CHILDREN: dict[tuple[str, str, str, int], tuple[Any, Any]] = {}


def observe_request(service: str, route: str, method: str, status: int, seconds: float) -> None:
    """Record one handled request."""
    key = (service, route, method, status)
    children = _HTTP_CHILDREN.get(key)
    if children is None:
        labels = (service, route, method, str(status))
        children = _HTTP_CHILDREN[key] = (HTTP_REQUESTS.labels(*labels), HTTP_LATENCY.labels(*labels))
    children[0].inc()
    children[1].observe(seconds)


def render_latest() -> tuple[bytes, str]:
    """The exposition body and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
