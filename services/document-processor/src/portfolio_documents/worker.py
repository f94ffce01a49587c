"""The Celery application: ``celery -A portfolio_documents.worker worker --pool prefork``.

Configured the way thin, safe tasks need (STYLE.md habit 7):

- JSON only, for arguments and results: tasks take ids, never objects, so nothing is pickled.
- The prefork pool: PDF libraries are not thread-safe, so never ``threads``/``gevent``.
- ``worker_prefetch_multiplier = 1``: processing a document is long; a worker must not hoard
  queued jobs that an idle sibling could take.
- Time limits on every task: a soft limit (the task may record the failure) 30 s before the hard one.
- ``acks_late`` stays off by default and is switched on per task, only for tasks that are
  idempotent (re-running them after a crash does no harm). With it and
  ``task_reject_on_worker_lost``, a message whose child process died is handed back to the queue,
  and one whose whole worker vanished is redelivered after the broker's visibility timeout
  (``BROKER_VISIBILITY_TIMEOUT``, by default twice the hard time limit).
- Every child gets an address-space limit (``RLIMIT_AS``, ``WORKER_MEMORY_LIMIT_MB``) when it starts
  and is replaced after ``WORKER_MAX_TASKS_PER_CHILD`` tasks, or after a task that left it resident
  past half its limit: a hostile PDF costs one task, never the worker. Every deployment starts the
  worker with an explicit ``--concurrency`` so that children x limit fits the container.
- A redeploy strands nothing: the image sets ``REMAP_SIGTERM=SIGQUIT``, so SIGTERM starts Celery's
  cold shutdown: running tasks are handed back to the queue (and prefetched ones restored) and the
  worker exits within seconds; another worker takes them at once instead of after the visibility
  timeout, and the job's next attempt redoes it (tasks are idempotent). No soft-shutdown wait: a
  document takes minutes, Cloud Run waits 10 s.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from celery import Celery
from celery.signals import setup_logging, worker_process_init

from portfolio_documents.config import SERVICE, DocumentsSettings, get_settings
from portfolio_shared.log import configure_logging
from portfolio_shared.redis_timeouts import SOCKET_TIMEOUT_S, socket_timeouts
from portfolio_shared.tracing import configure_tracing, instrument_celery


def verified_tls(url: str) -> str:
    """``url``, with ``ssl_cert_reqs=required`` added to a ``rediss://`` URL that does not say.

    redis-py verifies a TLS server's certificate by default; Celery refuses a ``rediss://`` URL
    without the parameter. Production (Memorystore with AUTH and in-transit encryption) gives
    ``rediss://:PASSWORD@host:6378/0?ssl_ca_certs=/path/server-ca.pem``.
    """
    parts = urlsplit(url)
    if parts.scheme != "rediss" or "ssl_cert_reqs" in parse_qs(parts.query):
        return url
    query = "&".join(filter(None, [parts.query, "ssl_cert_reqs=required"]))
    return urlunsplit(parts._replace(query=query))


def create_celery(settings: DocumentsSettings) -> Celery:
    """The Celery app for ``settings`` (its Redis is the broker and the result backend).

    Senders pass ``ignore_result=True``: a job's outcome is its row in Postgres, so no sender
    subscribes to a task's result (a subscription per task, and a hang on a silent Redis).
    """
    broker_url = verified_tls(settings.celery_broker_url)
    celery = Celery(
        "portfolio_documents",
        broker=broker_url,
        backend=broker_url,
        include=["portfolio_documents.tasks"],
    )
    celery.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        worker_pool="prefork",
        worker_prefetch_multiplier=1,
        task_acks_late=False,
        task_reject_on_worker_lost=True,
        task_time_limit=settings.task_time_limit,
        task_soft_time_limit=settings.task_time_limit - 30,
        worker_max_tasks_per_child=settings.worker_max_tasks_per_child,
        # In KiB of resident memory, checked after each task: leaks cannot pile up towards the limit.
        worker_max_memory_per_child=settings.worker_memory_limit_bytes // 2 // 1024,
        # A Redis that is down or hung fails a publish (the API's 503) in seconds instead of hanging
        # it: connect and read give up after SOCKET_TIMEOUT_S, for the broker and the results.
        broker_transport_options={"visibility_timeout": settings.visibility_timeout, **socket_timeouts()},
        redis_socket_connect_timeout=SOCKET_TIMEOUT_S,
        redis_socket_timeout=SOCKET_TIMEOUT_S,
        result_expires=3600,
        task_default_queue=settings.celery_queue,
        task_track_started=True,
        broker_connection_retry_on_startup=True,
        # Our JSON handler stays in charge of logging (see _configure_logging below).
        worker_hijack_root_logger=False,
        enable_utc=True,
        timezone="UTC",
    )
    return celery


app = create_celery(get_settings())


@setup_logging.connect
def _configure_logging(**_: Any) -> None:
    # Connecting to setup_logging stops Celery from installing its own handlers.
    configure_logging(f"{SERVICE}-worker", get_settings().log_level)


@worker_process_init.connect
def _limit_child(**_: Any) -> None:
    # Each prefork child, before its first task: a decompression bomb hits this limit, not the host.
    from portfolio_documents.processing.pdf.extract import apply_child_limits

    apply_child_limits(get_settings().worker_memory_limit_bytes)


@worker_process_init.connect
def _trace_child(**_: Any) -> None:
    # In the child, not the parent: the span exporter's thread and connection do not survive a fork.
    # Each task's run span continues the trace whose context the API put in the task headers.
    if configure_tracing(f"{SERVICE}-worker"):
        instrument_celery()
