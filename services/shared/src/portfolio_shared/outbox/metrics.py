"""Prometheus metrics of the outbox (default registry, like the HTTP metrics).

The dispatcher counts what it does (``outbox_delivered_total``, ``outbox_failed_total`` — every
failed webhook or REST delivery attempt —, ``outbox_dead_total``, the attempt latency). How far
behind the outbox is comes from the table itself, read at scrape time by :class:`OutboxCollector`:
any process of a sending service (its API, not only the dispatcher) can serve it, several dispatchers
never disagree, and a dispatcher that died cannot leave a stale "all clear" behind.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from portfolio_shared.health import libpq_url
from portfolio_shared.outbox.backlog import QueryCursor, outbox_backlog

logger = logging.getLogger("portfolio_shared.outbox")

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

CursorFactory = Callable[[], AbstractContextManager[QueryCursor]]
#: A scrape must answer quickly even when Postgres does not.
SCRAPE_TIMEOUT_S = 2


def psycopg_cursors(database_url: str) -> CursorFactory:
    """A cursor factory opening a short-lived connection to ``database_url`` per scrape."""

    @contextmanager
    def cursor() -> Iterator[QueryCursor]:
        with (
            psycopg.connect(
                libpq_url(database_url),
                autocommit=True,
                connect_timeout=SCRAPE_TIMEOUT_S,
                options=f"-c statement_timeout={SCRAPE_TIMEOUT_S * 1000}",
            ) as conn,
            conn.cursor() as cur,
        ):
            yield cur

    return cursor


class OutboxCollector(Collector):
    """``outbox_backlog``, ``outbox_dead_messages`` and ``outbox_oldest_pending_age_seconds`` computed
    from the outbox table at each scrape, and ``outbox_collector_up`` (0 when the table could not be read).

    ``cursors`` yields a DB-API cursor on the sender's database: :func:`psycopg_cursors` for the
    FastAPI services and the dispatcher, Django's ``connection.cursor`` for core.
    """

    def __init__(self, cursors: CursorFactory) -> None:
        self.cursors = cursors

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("outbox_collector_up", "1 when the outbox table could be read at this scrape.")
        try:
            with self.cursors() as cur:
                backlog = outbox_backlog(cur)
        except Exception as exc:  # a scrape must not fail because the database is away
            logger.warning("could not read the outbox backlog", extra={"error": str(exc)[:200]})
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "outbox_backlog", "Outbox messages neither delivered nor dead.", value=backlog.pending
        )
        yield GaugeMetricFamily(
            "outbox_dead_messages", "Outbox messages given up and kept for inspection.", value=backlog.dead
        )
        yield GaugeMetricFamily(
            "outbox_oldest_pending_age_seconds",
            "Age of the oldest undelivered outbox message (0 when none).",
            # Rows are stamped by the sender's clock, the age by Postgres': never report a skew as < 0.
            value=max(0.0, backlog.oldest_pending_age_seconds or 0.0),
        )

    def describe(self) -> Iterator[Any]:
        # Names only, without touching the database at registration.
        for name in ("outbox_collector_up", "outbox_backlog", "outbox_dead_messages"):
            yield GaugeMetricFamily(name, "")
        yield GaugeMetricFamily("outbox_oldest_pending_age_seconds", "")


_registered: dict[int, OutboxCollector] = {}
_lock = threading.Lock()


def register_outbox_collector(
    cursors: CursorFactory, registry: CollectorRegistry = REGISTRY
) -> OutboxCollector:
    """Serve the outbox gauges from ``registry``; a later call replaces the earlier collector (one
    app per process in production; in tests, the app built last is the one scraped)."""
    collector = OutboxCollector(cursors)
    with _lock:
        previous = _registered.pop(id(registry), None)
        if previous is not None:
            registry.unregister(previous)
        registry.register(collector)
        _registered[id(registry)] = collector
    return collector
