"""The dispatcher against a real Postgres and a real HTTP receiver, with a hand-moved clock."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import psycopg
import pytest
from prometheus_client import REGISTRY, CollectorRegistry
from test_outbox_support import (
    SECRETS,
    Arrival,
    FakeClock,
    Receiver,
    attempts,
    message,
    temp_database,
    truncate,
)

from portfolio_shared.clients import DocumentsClient
from portfolio_shared.contracts import (
    DELETE_DOCUMENT,
    PROCESS_TEXT,
    REPROCESS_DOCUMENT,
    WEBHOOK_RECEIVERS,
    BoundCall,
    operations,
)
from portfolio_shared.log import request_id_var
from portfolio_shared.outbox import (
    Dispatcher,
    enqueue,
    enqueue_call,
    enqueue_webhook,
    psycopg_cursors,
    register_outbox_collector,
)
from portfolio_shared.schemas import DOCUMENT_PROCESSED, TextForIndexing

MakeDispatcher = Callable[..., Dispatcher]


@pytest.fixture(scope="module")
def db_url() -> Iterator[str]:
    with temp_database("dispatch") as url:
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


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class Tokens:
    def __init__(self) -> None:
        self.audiences: list[str] = []

    def get_token(self, audience: str) -> str:
        self.audiences.append(audience)
        return f"token-for-{audience}"

    async def aget_token(self, audience: str) -> str:  # what the typed clients ask
        return self.get_token(audience)


@pytest.fixture
def make_dispatcher(db: str, receiver: Receiver, clock: FakeClock) -> Iterator[MakeDispatcher]:
    made: list[Dispatcher] = []

    def make(**overrides: Any) -> Dispatcher:
        options: dict[str, Any] = {
            "targets": {"core": receiver.url, "documents": receiver.url + "/docs-api/"},
            "webhook_secrets": {"core": SECRETS},
            "token_provider": Tokens(),
            "timeout": 5.0,
            "backoff_base": 1.0,
            "backoff_max": 8.0,
            "clock": clock,
            "jitter": lambda cap: cap,  # the top of the jitter range, so delays are exact
        }
        options.update(overrides)
        d = Dispatcher(db, **options)
        made.append(d)
        return d

    yield make
    for d in made:
        d.close()


def put(db: str, n: int = 1, **kwargs: Any) -> list[str]:
    fields: dict[str, Any] = {"destination": "core", "path": "/api/webhooks/ping/", "event_type": "ping"}
    fields.update(kwargs)
    with psycopg.connect(db) as conn, conn.cursor() as cur:
        return [enqueue(cur, payload={"n": i}, **fields) for i in range(n)]


def delay_of(db: str, msg_id: str) -> float:
    """Seconds between the last attempt's end and the next scheduled attempt."""
    row = message(db, msg_id)
    last = attempts(db, msg_id)[-1]
    assert last["next_attempt_at"] == row["available_at"]
    return float((row["available_at"] - last["finished_at"]).total_seconds())


def test_delivers_a_signed_webhook_and_records_the_attempt(
    db: str, receiver: Receiver, make_dispatcher: MakeDispatcher, clock: FakeClock
) -> None:
    [msg_id] = put(db, request_id="req-42")
    d = make_dispatcher(dispatcher_id="d-1")
    before = REGISTRY.get_sample_value("outbox_delivered_total", {"target": "core"}) or 0.0

    assert d.run_once() == 1
    assert d.run_once() == 0  # nothing left to claim

    [arrival] = receiver.arrivals
    assert receiver.rejected == []
    assert arrival.webhook_id == msg_id  # the signature verified with the receiver's secrets
    assert arrival.method == "POST" and arrival.path == "/api/webhooks/ping/"
    assert arrival.json()["id"] == msg_id and arrival.json()["data"] == {"n": 0}
    assert arrival.headers["x-request-id"] == "req-42"
    assert arrival.headers["content-type"] == "application/json"
    row = message(db, msg_id)
    assert row["delivered_at"] == clock.now and row["attempts"] == 1 and row["last_status"] == 204
    [attempt] = attempts(db, msg_id)
    assert (attempt["attempt"], attempt["status_code"], attempt["outcome"]) == (1, 204, "delivered")
    assert attempt["dispatcher_id"] == "d-1" and attempt["error"] is None and attempt["duration_ms"] >= 0
    assert REGISTRY.get_sample_value("outbox_delivered_total", {"target": "core"}) == before + 1


def test_receiver_down_then_up_every_message_arrives_exactly_once(
    db: str, receiver: Receiver, make_dispatcher: MakeDispatcher, clock: FakeClock
) -> None:
    receiver.stop()
    assert receiver.refuses_connections()
    ids = put(db, 12)
    d = make_dispatcher(batch_size=5)
    failed_before = (
        REGISTRY.get_sample_value("outbox_failed_total", {"target": "core", "reason": "network"}) or 0
    )

    for _ in range(3):  # every message fails its first attempt: nobody listens
        assert d.run_once() == 0
    assert receiver.arrivals == []
    for msg_id in ids:
        [failed] = attempts(db, msg_id)
        assert failed["outcome"] == "retry" and failed["status_code"] is None
        assert "ConnectError" in failed["error"]
        assert message(db, msg_id)["last_error"] == failed["error"]
    assert d.run_once() == 0  # retries are not due yet: the clock has not moved
    failures = REGISTRY.get_sample_value("outbox_failed_total", {"target": "core", "reason": "network"})
    assert failures == failed_before + 12

    receiver.start()
    clock.advance(60)
    delivered = sum(d.run_once() for _ in range(4))

    assert delivered == 12
    counts = receiver.ids()
    assert set(counts) == set(ids)
    assert all(count == 1 for count in counts.values()), counts
    for msg_id in ids:
        assert [a["outcome"] for a in attempts(db, msg_id)] == ["retry", "delivered"]
    assert d.backlog().pending == 0


def test_backoff_doubles_up_to_the_maximum(
    db: str, receiver: Receiver, make_dispatcher: MakeDispatcher, clock: FakeClock
) -> None:
    receiver.reply = lambda _a: (500, {"Retry-After": "1000"})  # not honoured on a 500
    [msg_id] = put(db)
    d = make_dispatcher()
    delays = []
    for _ in range(6):
        assert d.run_once() == 0
        delays.append(delay_of(db, msg_id))
        assert d.run_once() == 0  # not due before its time
        clock.advance(delays[-1])
    assert delays == [1, 2, 4, 8, 8, 8]
    assert [a["status_code"] for a in attempts(db, msg_id)] == [500] * 6
    assert message(db, msg_id)["attempts"] == 6


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds_is_honoured(
    db: str, receiver: Receiver, make_dispatcher: MakeDispatcher, status: int
) -> None:
    receiver.reply = lambda _a: (status, {"Retry-After": "120"})
    [msg_id] = put(db)
    assert make_dispatcher().run_once() == 0
    assert delay_of(db, msg_id) == 120  # not the 1 s backoff
    assert attempts(db, msg_id)[0]["status_code"] == status


def test_retry_after_http_date_is_honoured(
    db: str, receiver: Receiver, make_dispatcher: MakeDispatcher, clock: FakeClock
) -> None:
    when = clock.now.replace(microsecond=0) + timedelta(minutes=10)
    receiver.reply = lambda _a: (503, {"Retry-After": format_datetime(when, usegmt=True)})
    [msg_id] = put(db)
    assert make_dispatcher().run_once() == 0
    assert abs((message(db, msg_id)["available_at"] - when).total_seconds()) < 0.001


def test_retry_after_is_capped(db: str, receiver: Receiver, make_dispatcher: MakeDispatcher) -> None:
    receiver.reply = lambda _a: (429, {"Retry-After": str(30 * 24 * 3600)})
    [msg_id] = put(db)
    assert make_dispatcher(retry_after_max=3600.0).run_once() == 0
    assert delay_of(db, msg_id) == 3600


def test_client_errors_are_recorded_and_retried(
    db: str, receiver: Receiver, make_dispatcher: MakeDispatcher, clock: FakeClock
) -> None:
    answers = iter([404, 401, 204])
    receiver.reply = lambda _a: (next(answers), {})
    [msg_id] = put(db)
    d = make_dispatcher()
    results = []
    for _ in range(3):
        results.append(d.run_once())
        clock.advance(10)
    assert results == [0, 0, 1]
    assert [(a["status_code"], a["outcome"]) for a in attempts(db, msg_id)] == [
        (404, "retry"),
        (401, "retry"),
        (204, "delivered"),
    ]


def test_dead_after_max_attempts_and_kept_for_inspection(
    db: str, receiver: Receiver, make_dispatcher: MakeDispatcher, clock: FakeClock
) -> None:
    receiver.reply = lambda _a: (500, {})
    [msg_id, other] = put(db, 2)
    d = make_dispatcher(max_attempts=3)
    for _ in range(5):
        d.run_once()
        clock.advance(3600)
    row = message(db, msg_id)
    assert row["dead"] is True and row["delivered_at"] is None and row["attempts"] == 3
    assert row["last_status"] == 500 and "HTTP 500" in row["last_error"]
    assert [a["outcome"] for a in attempts(db, msg_id)] == ["retry", "retry", "dead"]
    assert [a["next_attempt_at"] is None for a in attempts(db, msg_id)] == [False, False, True]
    assert message(db, other)["dead"] is True
    backlog = d.backlog()
    assert (backlog.pending, backlog.dead) == (0, 2)
    registry = CollectorRegistry()
    register_outbox_collector(psycopg_cursors(db), registry)
    assert registry.get_sample_value("outbox_backlog") == 0
    assert registry.get_sample_value("outbox_dead_messages") == 2
    assert len(receiver.arrivals) == 6  # three attempts each, none after giving up


def test_rest_message_carries_bearer_token_request_id_and_idempotency_key(
    db: str, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    tokens = Tokens()
    [post_id] = put(
        db, kind="rest", destination="documents", path="process/text", event_type=None, request_id="req-7"
    )
    [delete_id] = put(
        db, kind="rest", destination="documents", path="/documents/key-1", event_type=None, method="DELETE"
    )
    d = make_dispatcher(token_provider=tokens)
    assert d.run_once() == 2
    by_key = {a.headers["idempotency-key"]: a for a in receiver.arrivals}
    post, delete = by_key[post_id], by_key[delete_id]
    assert (post.method, post.path) == ("POST", "/docs-api/process/text")
    assert post.headers["authorization"] == "Bearer token-for-documents"
    assert post.headers["x-request-id"] == "req-7"
    assert post.json() == {"n": 0}  # REST payloads are sent as they are, no webhook envelope
    assert "webhook-id" not in post.headers
    assert (delete.method, delete.path, delete.body) == ("DELETE", "/docs-api/documents/key-1", b"")
    assert delete.headers["authorization"] == "Bearer token-for-documents"
    assert "x-request-id" not in delete.headers
    assert tokens.audiences == ["documents", "documents"]


def test_rest_audience_can_be_mapped(db: str, receiver: Receiver, make_dispatcher: MakeDispatcher) -> None:
    tokens = Tokens()
    put(db, kind="rest", destination="documents", path="/search", event_type=None)
    d = make_dispatcher(token_provider=tokens, audiences={"documents": "https://documents.example.test"})
    assert d.run_once() == 1
    assert receiver.arrivals[0].headers["authorization"] == "Bearer token-for-https://documents.example.test"


def test_configuration_gaps_are_recorded_failures_not_crashes(
    db: str, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    [unknown] = put(db, destination="nowhere")
    [unsigned] = put(db, destination="documents")  # a webhook to a target without a secret
    [no_token] = put(db, kind="rest", event_type=None)
    assert make_dispatcher(token_provider=None).run_once() == 0
    assert "unknown target 'nowhere'" in attempts(db, unknown)[0]["error"]
    assert "no webhook secret" in attempts(db, unsigned)[0]["error"]
    assert "token provider" in attempts(db, no_token)[0]["error"]
    assert receiver.arrivals == []


def test_receiver_rejects_a_wrong_secret_and_the_message_is_retried(
    db: str, receiver: Receiver, make_dispatcher: MakeDispatcher, clock: FakeClock
) -> None:
    [msg_id] = put(db)
    d = make_dispatcher(webhook_secrets={"core": ["not-what-core-knows"]})
    assert d.run_once() == 0
    assert receiver.rejected == ["webhook_invalid_signature"]
    assert attempts(db, msg_id)[0]["status_code"] == 401
    # Rotation: the sender signs with the new secret first and an old one the receiver still knows.
    rotated = make_dispatcher(webhook_secrets={"core": ["brand-new", SECRETS[1]]})
    clock.advance(60)
    assert rotated.run_once() == 1
    assert receiver.ids() == {msg_id: 1}
    assert [a["attempt"] for a in attempts(db, msg_id)] == [1, 2]


def test_a_stop_hands_back_the_rest_of_the_batch(
    db: str, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    ids = put(db, 5)
    d = make_dispatcher(batch_size=5)

    def stop_after_first(_a: Arrival) -> tuple[int, dict[str, str]]:
        d.stop()
        return 204, {}

    receiver.reply = stop_after_first
    assert d.run_once() == 1
    released = [message(db, i) for i in ids[1:]]
    assert all(r["attempts"] == 0 and r["locked_by"] is None for r in released)
    assert all(attempts(db, i) == [] for i in ids[1:])


# -- retention ---------------------------------------------------------------------------------------
def _age(db: str, msg_id: str, days: float) -> None:
    """Move a message's timestamps ``days`` into the past."""
    with psycopg.connect(db) as conn:
        conn.execute(
            "UPDATE outbox_message SET created_at = created_at - %(d)s * interval '1 day',"
            " delivered_at = delivered_at - %(d)s * interval '1 day' WHERE msg_id = %(id)s",
            {"d": days, "id": msg_id},
        )


def test_prune_removes_old_delivered_and_dead_messages_only(
    db: str, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    old_delivered, new_delivered = put(db, 2)
    d = make_dispatcher(retention_days=7)
    assert d.run_once() == 2
    receiver.stop()
    old_dead, old_pending = put(db, 2)
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE outbox_message SET dead = true WHERE msg_id = %s", (old_dead,))
    for msg_id in (old_delivered, old_dead, old_pending):
        _age(db, msg_id, 8)
    _age(db, new_delivered, 6)

    assert d.prune(batch=1) == 2  # batches until nothing is left
    with psycopg.connect(db) as conn:
        left = {row[0] for row in conn.execute("SELECT msg_id FROM outbox_message")}
        orphans = conn.execute(
            "SELECT count(*) FROM outbox_attempt a LEFT JOIN outbox_message m ON m.id = a.message_id"
            " WHERE m.id IS NULL"
        ).fetchone()
    assert left == {new_delivered, old_pending}  # a pending message is never pruned, however old
    assert orphans == (0,)


def test_retention_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    from portfolio_shared.outbox.cli import resolve_config

    monkeypatch.setenv("OUTBOX_RETENTION_DAYS", "3")
    config = resolve_config(["--sender", "core", "--database-url", db])
    assert config.dispatcher().retention_days == 3
    with pytest.raises(ValueError, match="retention_days"):
        Dispatcher(db, targets={}, retention_days=0)


def test_a_database_that_never_answers_fails_within_the_connect_timeout() -> None:
    import socket
    import time

    from portfolio_shared.health import DB_CONNECT_TIMEOUT_S

    with socket.socket() as silent:  # accepts connections (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        d = Dispatcher(f"postgresql://postgres@127.0.0.1:{silent.getsockname()[1]}/x", targets={})
        started = time.monotonic()
        with pytest.raises(psycopg.OperationalError):
            d.run_once()
        assert time.monotonic() - started < DB_CONNECT_TIMEOUT_S + 3
        d.close()


def test_a_target_still_starting_is_waited_for_quietly_then_failures_warn(
    db: str, receiver: Receiver, make_dispatcher: MakeDispatcher, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.stop()
    [msg_id] = put(db)
    starting = make_dispatcher(startup_grace=3600)
    with caplog.at_level(logging.DEBUG, logger="portfolio_shared.outbox"):
        assert starting.run_once() == 0
    [record] = [r for r in caplog.records if getattr(r, "msg_id", None) == msg_id]
    assert record.levelno == logging.DEBUG and "waiting" in record.getMessage()
    [attempt] = attempts(db, msg_id)  # the attempt is recorded and retried as always
    assert attempt["outcome"] == "retry" and "ConnectError" in attempt["error"]

    caplog.clear()
    [other] = put(db)
    settled = make_dispatcher()  # no grace: the same failure is a warning
    with caplog.at_level(logging.DEBUG, logger="portfolio_shared.outbox"):
        settled.run_once()
    [warning] = [r for r in caplog.records if getattr(r, "msg_id", None) == other]
    assert warning.levelno == logging.WARNING and warning.getMessage() == "outbox delivery failed"


# -- declared operations (portfolio_shared.contracts) through the outbox ---------------------------
# enqueue_call stores the bound request and the dispatcher sends it to the operation's service;
# enqueue_webhook addresses the declared receiver. A row written before operations existed (a raw
# path and dict, as enqueue(destination=..., path=..., payload=...) wrote it) still delivers alike.
ITEM = TextForIndexing(document_key="project:rag", title="RAG", text="Retrieval, then generation.")

# What the outbox's callers wrote before operations: the row enqueue() then inserted, spelled out in
# SQL so that no code of today's builds it.
_OLD_ROW = """
INSERT INTO outbox_message (msg_id, kind, destination, path, method, event_type, payload, headers, request_id)
VALUES (%s, 'rest', 'documents', %s, %s, NULL, %s::jsonb, '{}'::jsonb, NULL)
"""


def test_an_operation_and_a_row_of_the_old_format_are_delivered_alike(
    db: str, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    with psycopg.connect(db) as conn, conn.cursor() as cur:
        new_post = enqueue_call(cur, PROCESS_TEXT.bind(ITEM))
        new_delete = enqueue_call(cur, DELETE_DOCUMENT.bind(document_key="paper:hep-th/9901001"))
        cur.execute(
            _OLD_ROW, ("msg_old_post", "/process/text", "POST", json.dumps(ITEM.model_dump(mode="json")))
        )
        cur.execute(_OLD_ROW, ("msg_old_delete", "/documents/paper%3Ahep-th%2F9901001", "DELETE", "{}"))
        # A raw path that is no declared operation: still delivered, with its destination's audience.
        cur.execute(_OLD_ROW, ("msg_old_raw", "/process/legacy", "POST", '{"n": 1}'))
    assert make_dispatcher().run_once() == 5

    by_key = {a.headers["idempotency-key"]: a for a in receiver.arrivals}
    assert set(by_key) == {new_post, new_delete, "msg_old_post", "msg_old_delete", "msg_old_raw"}
    assert by_key["msg_old_raw"].headers["authorization"] == "Bearer token-for-documents"
    assert by_key["msg_old_raw"].json() == {"n": 1}
    for new, old in ((new_post, "msg_old_post"), (new_delete, "msg_old_delete")):
        assert (by_key[new].method, by_key[new].path, by_key[new].body) == (
            by_key[old].method,
            by_key[old].path,
            by_key[old].body,
        )
        assert (
            by_key[new].headers["authorization"]
            == by_key[old].headers["authorization"]
            == "Bearer token-for-documents"
        )
    assert by_key[new_post].path == "/docs-api/process/text"
    assert by_key[new_post].json() == ITEM.model_dump(mode="json")
    assert by_key[new_delete].path == "/docs-api/documents/paper%3Ahep-th%2F9901001"
    assert all(message(db, key)["delivered_at"] is not None for key in by_key)


def test_a_webhook_goes_to_its_declared_receiver(
    db: str, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    data = {
        "job_id": "job-1",
        "document_id": "doc-1",
        "document_key": "project:rag",
        "state": "succeeded",
        "source_type": "text",
        "chunks": 2,
    }
    with psycopg.connect(db) as conn, conn.cursor() as cur:
        msg_id = enqueue_webhook(cur, DOCUMENT_PROCESSED, data)
    assert make_dispatcher().run_once() == 1
    [arrival] = receiver.arrivals
    assert arrival.webhook_id == msg_id
    assert arrival.path == WEBHOOK_RECEIVERS[DOCUMENT_PROCESSED].path
    assert arrival.json()["type"] == DOCUMENT_PROCESSED and arrival.json()["data"]["chunks"] == 2


def test_a_webhook_type_without_a_declared_receiver_is_refused(db: str) -> None:
    with psycopg.connect(db) as conn, conn.cursor() as cur, pytest.raises(ValueError, match="no receiver"):
        enqueue_webhook(cur, "scraper.job.exploded", {})


# -- the outbox as a durable transport of the typed clients ---------------------------------------
# One bound call, sent now by a DocumentsClient and later by the dispatcher (enqueue_call), arrives
# at the same receiver as the same request: both are built by portfolio_shared.clients.wire.
ITEM_ABROAD = TextForIndexing(document_key="project:köln", title="Straße", text="Ünïcode — «quoted»")
SAME_CALLS = {
    "post": PROCESS_TEXT.bind(ITEM_ABROAD),
    "delete": DELETE_DOCUMENT.bind(document_key="paper:hep-th/9901001"),
    "post without a body": REPROCESS_DOCUMENT.bind(document_key="project:rag"),
}


def send_now(receiver: Receiver, call: BoundCall, msg_id: str, tokens: Tokens, **client: Any) -> None:
    async def send() -> None:
        async with DocumentsClient(
            receiver.url + "/docs-api/", caller="scraper", token_provider=tokens, retries=0, **client
        ) as documents:
            await documents.send(call, idempotency_key=msg_id)

    token = request_id_var.set("req-same")
    try:
        asyncio.run(send())
    finally:
        request_id_var.reset(token)


def send_later(
    db: str, make_dispatcher: MakeDispatcher, call: BoundCall, msg_id: str, **options: Any
) -> None:
    with psycopg.connect(db) as conn, conn.cursor() as cur:
        enqueue_call(cur, call, msg_id=msg_id, request_id="req-same")
    assert make_dispatcher(caller="scraper", **options).run_once() == 1


@pytest.mark.parametrize("call", SAME_CALLS.values(), ids=SAME_CALLS.keys())
def test_the_client_and_the_outbox_send_one_operation_as_the_same_request(
    db: str, receiver: Receiver, make_dispatcher: MakeDispatcher, call: BoundCall
) -> None:
    tokens = Tokens()
    send_now(receiver, call, "msg_same", tokens)
    send_later(db, make_dispatcher, call, "msg_same", token_provider=tokens)

    now, later = receiver.arrivals
    assert (later.method, later.path, later.body) == (now.method, now.path, now.body)
    assert later.headers == now.headers  # every header: token, ids, agent, content type and length
    assert now.headers["user-agent"] == "portfolio-scraper"
    assert now.headers["idempotency-key"] == "msg_same" and now.headers["x-request-id"] == "req-same"
    assert tokens.audiences == ["documents", "documents"]
    if call.json is None:
        assert now.body == b"" and "content-type" not in now.headers
    else:
        assert now.json() == call.json and now.headers["content-type"] == "application/json"


def test_both_ask_the_token_provider_for_the_audience_the_operation_declares(
    db: str, receiver: Receiver, make_dispatcher: MakeDispatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An operation that declares its own audience, in place of the declared PROCESS_TEXT.
    own = dataclasses.replace(PROCESS_TEXT, audience="documents-ingest")
    others = tuple(op for op in operations.OPERATIONS if op is not PROCESS_TEXT)
    monkeypatch.setattr(operations, "OPERATIONS", (own, *others))
    # oidc mode maps each service's audience to its URL; an operation's own audience stays as it is.
    audiences = {"documents": "https://documents.example.test"}
    tokens = Tokens()
    for n, call in enumerate((own.bind(ITEM), DELETE_DOCUMENT.bind(document_key="project:rag"))):
        send_now(receiver, call, f"msg_{n}", tokens, audiences=audiences)
        send_later(db, make_dispatcher, call, f"msg_{n}", token_provider=tokens, audiences=audiences)
    assert tokens.audiences == ["documents-ingest"] * 2 + ["https://documents.example.test"] * 2
    assert [a.headers["authorization"] for a in receiver.arrivals] == [
        f"Bearer token-for-{audience}" for audience in tokens.audiences
    ]
