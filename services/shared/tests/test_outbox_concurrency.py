"""Several dispatchers on one table, leases, a dispatcher that dies, and the standalone process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from test_outbox_support import (
    SECRETS,
    Arrival,
    FakeClock,
    Receiver,
    attempts,
    message,
    temp_database,
    truncate,
    wait_for,
)

from portfolio_shared.auth import SigningKey, verify_token
from portfolio_shared.outbox import Dispatcher, enqueue

Reply = tuple[int, dict[str, str]]
TOKEN_KEY = SigningKey.generate()


@pytest.fixture(scope="module")
def db_url() -> Iterator[str]:
    with temp_database("concurrency") as url:
        yield url


@pytest.fixture
def db(db_url: str) -> Iterator[str]:
    truncate(db_url)
    yield db_url


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def put(db: str, n: int, **kwargs: Any) -> list[str]:
    fields: dict[str, Any] = {"destination": "core", "path": "/hook/", "event_type": "ping"}
    fields.update(kwargs)
    with psycopg.connect(db) as conn, conn.cursor() as cur:
        return [enqueue(cur, payload={"n": i}, **fields) for i in range(n)]


def dispatcher(db: str, receiver: Receiver, **options: Any) -> Dispatcher:
    return Dispatcher(
        db, targets={"core": receiver.url}, webhook_secrets={"core": SECRETS}, timeout=5.0, **options
    )


def test_two_dispatchers_never_deliver_a_message_twice(db: str, receiver: Receiver) -> None:
    # A long poll interval: after the first pass only NOTIFY from enqueue can wake them in time.
    workers = [
        dispatcher(db, receiver, batch_size=7, poll_interval=60.0, dispatcher_id=f"d{i}") for i in (1, 2)
    ]
    stop = threading.Event()
    threads = [threading.Thread(target=w.run_forever, args=(stop,)) for w in workers]
    for t in threads:
        t.start()
    try:
        ids: list[str] = []
        for _ in range(6):
            ids += put(db, 50)
        assert wait_for(lambda: len(receiver.arrivals) >= len(ids))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=10)
        for w in workers:
            w.close()
    assert not any(t.is_alive() for t in threads)
    counts = receiver.ids()
    assert set(counts) == set(ids)  # none missing
    assert [i for i, c in counts.items() if c > 1] == []  # none twice
    with psycopg.connect(db) as conn:
        rows = conn.execute(
            "SELECT dispatcher_id, count(*) FROM outbox_attempt WHERE outcome = 'delivered' GROUP BY 1"
        ).fetchall()
        undelivered = conn.execute(
            "SELECT count(*) FROM outbox_message WHERE delivered_at IS NULL"
        ).fetchone()
    assert undelivered == (0,)
    assert sum(n for _, n in rows) == len(ids)
    assert {d for d, _ in rows} == {"d1", "d2"}  # both really competed for the same rows


def test_a_message_in_flight_is_not_claimed_by_another_dispatcher(db: str, receiver: Receiver) -> None:
    put(db, 3)
    first_seen, release = threading.Event(), threading.Event()

    def hold_the_first(_a: Arrival) -> Reply:
        if not first_seen.is_set():
            first_seen.set()
            release.wait(10)
        return 204, {}

    receiver.reply = hold_the_first
    slow = dispatcher(db, receiver, batch_size=1, dispatcher_id="slow")
    fast = dispatcher(db, receiver, batch_size=10, dispatcher_id="fast")
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(slow.run_once()))
    thread.start()
    try:
        assert first_seen.wait(10)
        assert fast.run_once() == 2  # everything except the message the slow one is delivering
        assert fast.run_once() == 0
    finally:
        release.set()
        thread.join(timeout=10)
        slow.close()
        fast.close()
    assert result == [1]
    assert sorted(receiver.ids().values()) == [1, 1, 1]
    with psycopg.connect(db) as conn:
        by = conn.execute(
            "SELECT dispatcher_id, count(*) FROM outbox_attempt GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert by == [("fast", 2), ("slow", 1)]


class Killed(BaseException):
    """Stands for the process dying in the middle of a delivery."""


def test_a_dead_dispatchers_lease_expires_and_another_delivers(db: str, receiver: Receiver) -> None:
    [msg_id] = put(db, 1)
    clock = FakeClock()

    def die(_request: httpx.Request) -> httpx.Response:
        raise Killed

    doomed = dispatcher(
        db,
        receiver,
        clock=clock,
        lease_seconds=60.0,
        http_client=httpx.Client(transport=httpx.MockTransport(die)),
    )
    with pytest.raises(Killed):
        doomed.run_once()
    doomed.close()
    row = message(db, msg_id)
    assert row["attempts"] == 1 and row["delivered_at"] is None and row["locked_by"] == doomed.dispatcher_id

    heir = dispatcher(db, receiver, clock=clock)
    assert heir.run_once() == 0  # the lease still holds
    clock.advance(61)
    assert heir.run_once() == 1
    heir.close()
    assert receiver.ids() == {msg_id: 1}
    assert [(a["attempt"], a["outcome"]) for a in attempts(db, msg_id)] == [(2, "delivered")]


def test_a_late_result_after_the_lease_expired_cannot_undo_a_delivery(db: str, receiver: Receiver) -> None:
    [msg_id] = put(db, 1)
    clock = FakeClock()
    first_seen, release = threading.Event(), threading.Event()

    def slow_failure_then_success(_a: Arrival) -> Reply:
        if not first_seen.is_set():
            first_seen.set()
            release.wait(10)
            return 500, {}
        return 204, {}

    receiver.reply = slow_failure_then_success
    slow = dispatcher(db, receiver, clock=clock, lease_seconds=30.0, dispatcher_id="slow")
    heir = dispatcher(db, receiver, clock=clock, dispatcher_id="heir")
    thread = threading.Thread(target=slow.run_once)
    thread.start()
    try:
        assert first_seen.wait(10)
        clock.advance(31)  # the slow dispatcher overran its lease
        assert heir.run_once() == 1
    finally:
        release.set()
        thread.join(timeout=10)
        slow.close()
        heir.close()
    row = message(db, msg_id)
    assert row["delivered_at"] is not None and row["last_status"] == 204 and not row["dead"]
    outcomes = {(a["dispatcher_id"], a["attempt"], a["outcome"]) for a in attempts(db, msg_id)}
    assert outcomes == {("slow", 1, "lease_lost"), ("heir", 2, "delivered")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_standalone_process_delivers_and_stops_on_sigterm(db: str, receiver: Receiver) -> None:
    metrics_port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db,
        "OUTBOX_SENDER": "scraper",
        "CORE_URL": receiver.url,
        "WEBHOOK_SECRETS_SCRAPER": ",".join(SECRETS),
        "SERVICE_AUTH_MODE": "token",
        "SERVICE_SIGNING_KEY": TOKEN_KEY.text(),
        "OUTBOX_METRICS_PORT": str(metrics_port),
        "OUTBOX_POLL_INTERVAL": "0.2",
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "DEBUG",  # deliveries are logged at DEBUG (the receiver's access line has them)
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "portfolio_shared.outbox"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        [hook] = put(db, 1, request_id="req-cli")
        [call] = put(db, 1, kind="rest", path="/internal/papers/bulk/", event_type=None)
        assert wait_for(lambda: len(receiver.arrivals) >= 2), proc.poll()
        by_id = {a.webhook_id or a.headers["idempotency-key"]: a for a in receiver.arrivals}
        assert by_id[hook].headers["x-request-id"] == "req-cli"
        token = by_id[call].headers["authorization"].removeprefix("Bearer ")
        principal = verify_token(
            token,
            audience="core",
            keys={"scraper": [TOKEN_KEY.public()]},
        )
        assert principal.caller == "scraper"

        def delivered_metric() -> bool:
            try:
                text = httpx.get(f"http://127.0.0.1:{metrics_port}/", timeout=2).text
            except httpx.HTTPError:
                return False
            return 'outbox_delivered_total{target="core"} 2.0' in text

        assert wait_for(delivered_metric)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    messages = {line["message"] for line in lines}
    assert {"outbox message delivered", "outbox dispatcher stopped"} <= messages
    assert all(line["service"] == "scraper-outbox" and "severity" in line for line in lines)
    assert receiver.ids() == {hook: 1, call: 1}
