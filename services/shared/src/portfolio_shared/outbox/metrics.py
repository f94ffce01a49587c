"""Prometheus metrics of the outbox dispatcher (default registry, like the HTTP metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

DELIVERED = Counter("outbox_delivered_total", "Outbox messages delivered, by target.", ["target"])
FAILED = Counter(
    "outbox_failed_total",
    "Failed outbox delivery attempts, by target and reason (http_<status>, network, config).",
    ["target", "reason"],
)
DEAD = Counter(
    "outbox_dead_total", "Outbox messages given up after their last attempt, by target.", ["target"]
)
DELIVERY_SECONDS = Histogram(
    "outbox_delivery_duration_seconds",
    "Duration of one delivery attempt, by target.",
    ["target"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
BACKLOG = Gauge("outbox_backlog", "Outbox messages neither delivered nor dead.")
DEAD_MESSAGES = Gauge("outbox_dead_messages", "Outbox messages given up and kept for inspection.")
OLDEST_AGE = Gauge(
    "outbox_oldest_pending_age_seconds", "Age of the oldest undelivered outbox message (0 when none)."
)
