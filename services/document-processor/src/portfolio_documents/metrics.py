"""The document processor's job metrics, read at scrape time by the API's ``/internal/metrics``.

The work happens in Celery's prefork children, whose in-memory counters no scrape can reach and
which are replaced every few tasks; the jobs table and the broker are the truth that every process
shares. So these are computed from them at each scrape (a few cheap queries with short timeouts):

- ``documents_processed_total{state, source_type}``: jobs that ended (succeeded, partial, failed).
- ``documents_jobs_in_progress{state}``: jobs queued or in one of the processing stages.
- ``celery_queue_length{queue}``: messages waiting in the Redis broker list of the queue.
- ``documents_collector_up{source}``: 0 when the database or the broker could not be read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import psycopg
import redis
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from portfolio_documents.models import TERMINAL
from portfolio_shared.health import libpq_url
from portfolio_shared.outbox import psycopg_cursors, register_outbox_collector
from portfolio_shared.redis_timeouts import socket_timeouts

logger = logging.getLogger("portfolio_documents.metrics")

TIMEOUT_S = 2
#: Kombu's Redis transport keeps a priority's messages in ``<queue>\x06\x16<priority>``.
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (3, 6, 9)

_JOBS = """
SELECT state, coalesce(source->>'type', 'unknown'), count(*)
FROM processing_job
GROUP BY 1, 2
"""


def queue_length(client: redis.Redis, queue: str) -> int:
    """Messages waiting in ``queue`` (all priority lists of it) on the Redis broker."""
    names = [queue, *(f"{queue}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS)]
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.llen(name)
    return sum(int(n) for n in pipe.execute())


class DocumentsCollector(Collector):
    """Job counts from ``database_url`` and the queue depth of ``queue`` on ``redis_url``."""

    def __init__(self, *, database_url: str, redis_url: str, queue: str) -> None:
        self.database_url = database_url
        self.redis_url = redis_url
        self.queue = queue

    def collect(self) -> Iterator[Any]:
        up = GaugeMetricFamily(
            "documents_collector_up", "1 when the source could be read at this scrape.", labels=["source"]
        )
        yield from self._jobs(up)
        yield from self._queue(up)
        yield up

    def _jobs(self, up: GaugeMetricFamily) -> Iterator[Any]:
        try:
            with psycopg.connect(
                libpq_url(self.database_url),
                autocommit=True,
                connect_timeout=TIMEOUT_S,
                options=f"-c statement_timeout={TIMEOUT_S * 1000}",
            ) as conn:
                rows = conn.execute(_JOBS).fetchall()
        except Exception as exc:  # a scrape must not fail because the database is away
            logger.warning("could not count processing jobs", extra={"error": str(exc)[:200]})
            up.add_metric(["database"], 0)
            return
        up.add_metric(["database"], 1)
        processed = CounterMetricFamily(
            "documents_processed",
            "Processing jobs that ended, by final state and source type (pdf, github, text, batch).",
            labels=["state", "source_type"],
        )
        in_progress = GaugeMetricFamily(
            "documents_jobs_in_progress",
            "Processing jobs queued or in a processing stage, by state.",
            labels=["state"],
        )
        active: dict[str, int] = {}
        for state, source_type, count in rows:
            if state in TERMINAL:
                processed.add_metric([state, source_type], count)
            else:
                active[state] = active.get(state, 0) + count
        for state, count in sorted(active.items()):
            in_progress.add_metric([state], count)
        yield processed
        yield in_progress

    def _queue(self, up: GaugeMetricFamily) -> Iterator[Any]:
        client = redis.Redis.from_url(self.redis_url, **socket_timeouts())
        try:
            length = queue_length(client, self.queue)
        except Exception as exc:
            logger.warning("could not read the queue length", extra={"error": str(exc)[:200]})
            up.add_metric(["broker"], 0)
            return
        finally:
            client.close()
        up.add_metric(["broker"], 1)
        gauge = GaugeMetricFamily(
            "celery_queue_length", "Tasks waiting in the Celery queue on the broker.", labels=["queue"]
        )
        gauge.add_metric([self.queue], length)
        yield gauge

    def describe(self) -> Iterator[Any]:
        # Names only: registering must not touch the database or the broker.
        yield CounterMetricFamily("documents_processed", "", labels=["state", "source_type"])
        yield GaugeMetricFamily("documents_jobs_in_progress", "", labels=["state"])
        yield GaugeMetricFamily("celery_queue_length", "", labels=["queue"])
        yield GaugeMetricFamily("documents_collector_up", "", labels=["source"])


_registered: dict[int, DocumentsCollector] = {}


def register_collectors(
    *, database_url: str, redis_url: str, queue: str, registry: CollectorRegistry = REGISTRY
) -> None:
    """Serve the job metrics and the outbox gauges from ``registry``; a later call replaces them."""
    collector = DocumentsCollector(database_url=database_url, redis_url=redis_url, queue=queue)
    previous = _registered.pop(id(registry), None)
    if previous is not None:
        registry.unregister(previous)
    registry.register(collector)
    _registered[id(registry)] = collector
    register_outbox_collector(psycopg_cursors(database_url), registry)


def unregister_collectors(registry: CollectorRegistry = REGISTRY) -> None:
    """Remove the job metrics from ``registry`` (a test that built the app inside another service)."""
    previous = _registered.pop(id(registry), None)
    if previous is not None:
        registry.unregister(previous)
