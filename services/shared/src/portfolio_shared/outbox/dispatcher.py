"""The outbox dispatcher: claims due messages, delivers them, schedules retries, records attempts.

Design:

* **Synchronous** (psycopg 3 + ``httpx.Client``). A dispatcher is its own small process (or a
  thread of a service) whose work is one Postgres round trip and one HTTP call at a time; sync code
  keeps the transactions obvious, runs unchanged inside Django, Celery or a FastAPI lifespan thread,
  and throughput scales by running more dispatchers, which ``SKIP LOCKED`` makes safe.
* **Lease, not a long transaction.** A short claim transaction selects due rows ``FOR UPDATE SKIP
  LOCKED``, bumps ``attempts`` and moves ``available_at`` to *now + lease*, then commits. Delivery
  happens outside any transaction, so a slow receiver holds no row lock or connection state, and a
  dispatcher that dies mid-delivery only delays the message until its lease expires, after which
  another dispatcher redelivers it (at-least-once; receivers dedupe on ``webhook-id``). Holding
  the row lock across delivery instead would tie a Postgres transaction to a remote call and, after
  a lost connection, still redeliver. The lease must outlast the HTTP timeout, which the constructor
  enforces; then two live dispatchers never deliver the same message.
* **Fencing.** ``attempts`` is the claim's token: a result is written only if the row still carries
  the attempt number that was claimed, so a dispatcher whose lease ran out cannot overwrite a newer
  claim's schedule.
* **Every non-2xx is a failure and is retried**, 4xx included: between our own services a 4xx
  means a wrong secret, a route not deployed yet or a schema mismatch — all fixed by a deploy — and
  dropping the message would lose data. After ``max_attempts`` (default 25, about 3 days with the
  default backoff) the row is marked ``dead`` and kept for inspection. ``Retry-After`` is honoured
  on 429 and 503 (seconds or HTTP date, capped by ``retry_after_max``); otherwise the delay is
  exponential backoff with full jitter.
* **Retention.** Delivered and dead messages (with their attempts) are deleted ``retention_days``
  after delivery (dead ones after creation): :meth:`prune`, which :meth:`run_forever` calls once an
  hour. Pending messages are never pruned.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg
from psycopg.rows import dict_row, tuple_row

from portfolio_shared.health import DB_CONNECT_TIMEOUT_S
from portfolio_shared.outbox import metrics
from portfolio_shared.outbox.backlog import Backlog, outbox_backlog
from portfolio_shared.outbox.delivery import Clock, Courier, Message, TokenProvider
from portfolio_shared.outbox.queries import (
    ATTEMPT,
    CLAIM,
    DELIVERED,
    EXPIRE,
    FAILED,
    NEXT_DUE,
    PRUNE,
    RELEASE,
)
from portfolio_shared.outbox.schema import OUTBOX_CHANNEL
from portfolio_shared.retry import Jitter, backoff_delay, full_jitter
from portfolio_shared.tracing import span

logger = logging.getLogger("portfolio_shared.outbox")


def default_dispatcher_id() -> str:
    """``<host>:<pid>:<random>``, unique per dispatcher, readable in attempt records."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Dispatcher:
    """Delivers the outbox of one database. Use :meth:`run_forever` in a process, :meth:`run_once` in tests.

    ``targets`` maps a destination name to its base URL; ``webhook_secrets`` maps it to the secrets
    that sign webhooks to it (all of them, for rotation); ``token_provider`` mints the bearer token
    of REST messages for the audience their operation declares (``Operation.token_audience``: by
    default the destination's name, as ``token`` mode wants), mapped through ``audiences`` (``oidc``
    mode maps each service to its URL: ``portfolio_shared.auth.audiences_from_settings``). ``caller``
    names the sending service in the ``User-Agent``. ``http_client`` is used as given (and not
    closed); otherwise the dispatcher owns one with ``timeout``.
    """

    def __init__(
        self,
        database_url: str,
        *,
        targets: Mapping[str, str],
        webhook_secrets: Mapping[str, Sequence[str]] | None = None,
        token_provider: TokenProvider | None = None,
        audiences: Mapping[str, str] | None = None,
        caller: str | None = None,
        http_client: httpx.Client | None = None,
        timeout: float = 30.0,
        batch_size: int = 20,
        poll_interval: float = 5.0,
        lease_seconds: float = 300.0,
        backoff_base: float = 2.0,
        backoff_max: float = 6 * 3600.0,
        max_attempts: int = 25,
        retry_after_max: float = 24 * 3600.0,
        retention_days: float = 30.0,
        prune_interval: float = 3600.0,
        dispatcher_id: str | None = None,
        startup_grace: float = 0.0,
        clock: Clock | None = None,
        jitter: Jitter = full_jitter,
    ) -> None:
        if batch_size < 1 or max_attempts < 1:
            raise ValueError("batch_size and max_attempts must be at least 1")
        if retention_days <= 0:
            raise ValueError("retention_days must be positive")
        if lease_seconds <= timeout:
            raise ValueError("lease_seconds must exceed the HTTP timeout, or two dispatchers may overlap")
        self.database_url = database_url
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.lease_seconds = lease_seconds
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_attempts = max_attempts
        self.retry_after_max = retry_after_max
        self.retention_days = retention_days
        self.prune_interval = prune_interval
        self._next_prune = 0.0  # monotonic: the first pass of run_forever prunes
        self.dispatcher_id = dispatcher_id or default_dispatcher_id()
        #: For this many seconds after start, a target that cannot be reached (still starting, as
        #: in `make run`) is waited for quietly: the attempt is recorded and retried as usual, but
        #: logged at DEBUG instead of WARNING.
        self.startup_grace = startup_grace
        self._started = time.monotonic()
        self._clock = clock
        self._jitter = jitter
        self._owns_client = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)
        self.courier = Courier(
            self._http,
            targets=targets,
            webhook_secrets=webhook_secrets or {},
            token_provider=token_provider,
            audiences=audiences or {},
            clock=clock,
            caller=caller,
        )
        self._conn: psycopg.Connection[dict[str, Any]] | None = None
        self._listen_conn: psycopg.Connection[Any] | None = None
        self._stop = threading.Event()

    # -- connections ---------------------------------------------------------------------------

    def _db(self) -> psycopg.Connection[dict[str, Any]]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(
                self.database_url, autocommit=True, row_factory=dict_row, connect_timeout=DB_CONNECT_TIMEOUT_S
            )
        return self._conn

    def close(self) -> None:
        """Close the database connections and the HTTP client the dispatcher owns."""
        for conn in (self._conn, self._listen_conn):
            if conn is not None and not conn.closed:
                conn.close()
        self._conn = self._listen_conn = None
        if self._owns_client:
            self._http.close()

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _now(self) -> datetime | None:
        return self._clock() if self._clock is not None else None

    # -- one pass ------------------------------------------------------------------------------

    def run_once(self) -> int:
        """Claim one batch of due messages, deliver each, record the outcomes; return how many arrived."""
        delivered = 0
        claimed = self._claim()
        for index, message in enumerate(claimed):
            if self._stop.is_set():
                # Hand the rest back now instead of leaving them until their lease expires.
                self._release(claimed[index:])
                break
            if self._deliver(message):
                delivered += 1
        return delivered

    def _claim(self) -> list[Message]:
        params = {
            "now": self._now(),
            "limit": self.batch_size,
            "lease": self.lease_seconds,
            "dispatcher_id": self.dispatcher_id,
            "max_attempts": self.max_attempts,
        }
        conn = self._db()
        with conn.transaction(), conn.cursor() as cur:
            for row in cur.execute(EXPIRE, params).fetchall():
                metrics.DEAD.labels(row["destination"]).inc()
                logger.error("outbox message given up after a lost final attempt", extra=dict(row))
            rows = cur.execute(CLAIM, params).fetchall()
        return [
            Message(
                id=r["id"],
                msg_id=r["msg_id"],
                kind=r["kind"],
                destination=r["destination"],
                path=r["path"],
                method=r["method"],
                payload=r["payload"],
                headers=dict(r["headers"] or {}),
                request_id=r["request_id"],
                attempt=r["attempts"],
            )
            for r in sorted(rows, key=lambda r: r["id"])
        ]

    def _release(self, messages: Sequence[Message]) -> None:
        conn = self._db()
        with conn.transaction(), conn.cursor() as cur:
            for m in messages:
                cur.execute(RELEASE, {"now": self._now(), "id": m.id, "attempt": m.attempt})

    def _deliver(self, m: Message) -> bool:
        started_at = self._clock() if self._clock is not None else datetime.now(UTC)
        t0 = time.perf_counter()
        # A child of the span that enqueued the message (its traceparent is in the stored headers).
        with span(
            f"outbox deliver {m.destination}",
            kind="producer",
            parent_headers=m.headers,
            attributes={"outbox.msg_id": m.msg_id, "outbox.attempt": m.attempt, "outbox.path": m.path},
        ):
            result = self.courier.send(m)
        elapsed = time.perf_counter() - t0
        metrics.DELIVERY_SECONDS.labels(m.destination).observe(elapsed)
        attempt_row: dict[str, Any] = {
            "now": self._now(),
            "id": m.id,
            "attempt": m.attempt,
            "dispatcher_id": self.dispatcher_id,
            "started_at": started_at,
            "duration_ms": round(elapsed * 1000),
            "status": result.status_code,
            "error": result.error,
            "next_attempt_at": None,
        }
        log_extra = {
            "msg_id": m.msg_id,
            "target": m.destination,
            "attempt": m.attempt,
            "status_code": result.status_code,
            "request_id": m.request_id,
        }
        conn = self._db()
        with conn.transaction(), conn.cursor() as cur:
            if result.ok:
                cur.execute(DELIVERED, attempt_row)
                cur.execute(ATTEMPT, {**attempt_row, "outcome": "delivered"})
                metrics.DELIVERED.labels(m.destination).inc()
                # DEBUG: the receiver's access line records the arrival; failures are warnings.
                logger.debug("outbox message delivered", extra=log_extra)
                return True
            dead = m.attempt >= self.max_attempts
            if result.retry_after is not None:
                delay = min(result.retry_after, self.retry_after_max)
            else:
                delay = backoff_delay(m.attempt, self.backoff_base, self.backoff_max, self._jitter)
            params = {**attempt_row, "delay": 0.0 if dead else delay, "dead": dead}
            row = cur.execute(FAILED, params).fetchone()
            if row is None:
                outcome = "lease_lost"
            else:
                outcome = "dead" if dead else "retry"
                attempt_row["next_attempt_at"] = None if dead else row["available_at"]
            cur.execute(ATTEMPT, {**attempt_row, "outcome": outcome})
        metrics.FAILED.labels(m.destination, result.reason).inc()
        if outcome == "dead":
            metrics.DEAD.labels(m.destination).inc()
            logger.error("outbox message given up", extra={**log_extra, "error": result.error})
        elif result.reason == "network" and time.monotonic() - self._started < self.startup_grace:
            logger.debug(
                "outbox target not reachable yet, waiting",
                extra={**log_extra, "error": result.error, "retry_in_s": delay},
            )
        else:
            logger.warning(
                "outbox delivery failed",
                extra={**log_extra, "error": result.error, "outcome": outcome, "retry_in_s": delay},
            )
        return False

    # -- the loop ------------------------------------------------------------------------------

    def backlog(self) -> Backlog:
        """The current backlog (the gauges read it at scrape time: see ``outbox.metrics``)."""
        with self._db().cursor(row_factory=tuple_row) as cur:
            return outbox_backlog(cur)

    def prune(self, batch: int = 5000) -> int:
        """Delete delivered and dead messages older than ``retention_days``; return how many."""
        params = {"now": self._now(), "retention": self.retention_days * 86400, "limit": batch}
        removed = 0
        while True:
            with self._db().cursor() as cur:  # autocommit: each batch its own transaction
                count = cur.execute(PRUNE, params).rowcount
            removed += count
            if count < batch:
                break
        if removed:
            logger.info("outbox pruned", extra={"removed": removed, "retention_days": self.retention_days})
        return removed

    def stop(self) -> None:
        """Ask :meth:`run_forever` to return after the message in flight."""
        self._stop.set()

    def run_forever(self, stop_event: threading.Event | None = None) -> None:
        """Deliver until ``stop_event`` (or :meth:`stop`) is set; wake on NOTIFY, a due retry or a poll."""
        if stop_event is not None:
            # run_once watches the same event, so a stop hands back the rest of a batch at once.
            self._stop = stop_event
        stop = self._stop
        logger.debug("outbox dispatcher started", extra={"dispatcher_id": self.dispatcher_id})
        failures = 0
        while not stop.is_set():
            try:
                # Listen before looking, so a message committed during a pass still wakes us.
                self._listen()
                if time.monotonic() >= self._next_prune:
                    self._next_prune = time.monotonic() + self.prune_interval
                    self.prune()
                claimed_full = self._pass()
                failures = 0
                if claimed_full:
                    continue
                self._wait(stop)
            except Exception as exc:
                # A lost database or a bug: back off and carry on; claimed rows come back when
                # their lease expires, so nothing is lost by surviving here.
                failures += 1
                pause = min(self.poll_interval * failures, 60.0)
                logger.exception(
                    "outbox dispatcher pass failed, retrying",
                    extra={"error": str(exc), "retry_in_s": pause},
                )
                self._drop_connections()
                stop.wait(pause)
        logger.info("outbox dispatcher stopped", extra={"dispatcher_id": self.dispatcher_id})

    def _pass(self) -> bool:
        """One batch; True when it was full and everything in it arrived (more is likely waiting)."""
        return self.run_once() == self.batch_size

    def _drop_connections(self) -> None:
        for conn in (self._conn, self._listen_conn):
            if conn is not None:
                conn.close()
        self._conn = self._listen_conn = None

    def _wait(self, stop: threading.Event) -> None:
        """Sleep until a NOTIFY, the next scheduled retry, the poll interval, or a stop."""
        timeout = self.poll_interval
        with self._db().cursor() as cur:
            row = cur.execute(NEXT_DUE).fetchone()
        next_due = row["min"] if row else None
        if next_due is not None and self._clock is None:
            timeout = min(timeout, max(0.0, (next_due - datetime.now(UTC)).total_seconds()))
        listener = self._listen()
        deadline = time.monotonic() + timeout
        # Short slices so that a stop (SIGTERM) is seen within a second.
        while not stop.is_set() and (remaining := deadline - time.monotonic()) > 0:
            if any(True for _ in listener.notifies(timeout=min(remaining, 1.0), stop_after=1)):
                return

    def _listen(self) -> psycopg.Connection[Any]:
        if self._listen_conn is None or self._listen_conn.closed:
            self._listen_conn = psycopg.connect(
                self.database_url, autocommit=True, connect_timeout=DB_CONNECT_TIMEOUT_S
            )
            self._listen_conn.execute(f"LISTEN {OUTBOX_CHANNEL}")
        return self._listen_conn
