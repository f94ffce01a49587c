"""enqueue() and outbox_backlog() against a real Postgres database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from test_outbox_support import message, temp_database, truncate

from portfolio_shared.log import request_id_var
from portfolio_shared.outbox import OUTBOX_CHANNEL, discard_pending, enqueue, outbox_backlog


@pytest.fixture(scope="module")
def db_url() -> Iterator[str]:
    with temp_database("enqueue") as url:
        yield url


@pytest.fixture
def db(db_url: str) -> Iterator[str]:
    truncate(db_url)
    yield db_url


def _count(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM outbox_message").fetchone()
    assert row is not None
    return int(row[0])


def test_webhook_body_is_built_around_the_message_id(db: str) -> None:
    with psycopg.connect(db) as conn, conn.cursor() as cur:
        msg_id = enqueue(
            cur,
            destination="core",
            path="/api/webhooks/scraper-complete/",
            event_type="scraper.job.completed",
            payload={"job_id": "j1", "counts": {"new": 3}, "finished_at": datetime(2026, 1, 2, tzinfo=UTC)},
        )
    row = message(db, msg_id)
    body = row["payload"]
    assert msg_id.startswith("msg_")
    assert set(body) == {"type", "id", "created_at", "data"}
    assert body["id"] == msg_id
    assert body["type"] == "scraper.job.completed"
    assert body["data"] == {"job_id": "j1", "counts": {"new": 3}, "finished_at": "2026-01-02T00:00:00+00:00"}
    assert datetime.fromisoformat(body["created_at"]) == row["created_at"]
    assert (row["kind"], row["destination"], row["method"], row["attempts"]) == ("webhook", "core", "POST", 0)
    assert row["delivered_at"] is None and row["dead"] is False


def test_rolled_back_transaction_leaves_nothing(db: str) -> None:
    with psycopg.connect(db) as conn:
        with conn.cursor() as cur:
            enqueue(cur, destination="core", path="/x/", event_type="ping", payload={})
            cur.execute("SELECT count(*) FROM outbox_message")
            assert cur.fetchone() == (1,)  # visible inside the caller's own transaction...
        conn.rollback()
    assert _count(db) == 0  # ...and gone with it


def test_enqueue_joins_the_callers_transaction_with_other_writes(db: str) -> None:
    with psycopg.connect(db) as conn:
        conn.execute("CREATE TEMP TABLE business (v int)")
        with conn.transaction():
            conn.execute("INSERT INTO business VALUES (1)")
            with conn.cursor() as cur:
                enqueue(cur, destination="core", path="/x/", event_type="ping", payload={})
        with pytest.raises(RuntimeError), conn.transaction():
            conn.execute("INSERT INTO business VALUES (2)")
            with conn.cursor() as cur:
                enqueue(cur, destination="core", path="/x/", event_type="ping", payload={})
            raise RuntimeError("business failure")
        assert conn.execute("SELECT count(*) FROM business").fetchone() == (1,)
    assert _count(db) == 1


def test_client_side_binding_cursor_works_like_djangos(db: str) -> None:
    # Django's psycopg backend binds parameters client-side (ClientCursor) by default.
    with psycopg.connect(db, cursor_factory=psycopg.ClientCursor) as conn, conn.cursor() as cur:
        assert isinstance(cur, psycopg.ClientCursor)
        msg_id = enqueue(
            cur,
            destination="documents",
            path="/documents/about-me",
            kind="rest",
            method="delete",
            payload={"quote": "it's"},
            request_id="req-1",
            headers={"X-Extra": "1"},
        )
    row = message(db, msg_id)
    assert (row["kind"], row["method"], row["event_type"]) == ("rest", "DELETE", None)
    assert row["payload"] == {"quote": "it's"}
    assert row["headers"] == {"X-Extra": "1"}
    assert row["request_id"] == "req-1"


def test_same_msg_id_twice_is_one_message(db: str) -> None:
    with psycopg.connect(db) as conn, conn.cursor() as cur:
        first = enqueue(
            cur, destination="core", path="/x/", event_type="ping", payload={"n": 1}, msg_id="job-7"
        )
        second = enqueue(
            cur, destination="core", path="/x/", event_type="ping", payload={"n": 2}, msg_id="job-7"
        )
    assert first == second == "job-7"
    assert _count(db) == 1
    assert message(db, "job-7")["payload"]["data"] == {"n": 1}


def test_request_id_defaults_to_the_current_request(db: str) -> None:
    token = request_id_var.set("req-from-context")
    try:
        with psycopg.connect(db) as conn, conn.cursor() as cur:
            msg_id = enqueue(cur, destination="core", path="/x/", event_type="ping", payload={})
    finally:
        request_id_var.reset(token)
    assert message(db, msg_id)["request_id"] == "req-from-context"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "webhook", "event_type": None}, "event_type"),
        ({"kind": "webhook", "event_type": "ping", "method": "PUT"}, "POST"),
        ({"kind": "carrier-pigeon", "event_type": "ping"}, "kind"),
        ({"kind": "rest", "method": "TRACE"}, "method"),
    ],
)
def test_invalid_messages_are_refused_before_touching_the_database(
    db: str, kwargs: dict[str, Any], match: str
) -> None:
    with psycopg.connect(db) as conn, conn.cursor() as cur, pytest.raises(ValueError, match=match):
        enqueue(cur, destination="core", path="/x/", payload={}, **kwargs)
    assert _count(db) == 0


def test_notify_fires_on_commit_only(db: str) -> None:
    with psycopg.connect(db, autocommit=True) as listener:
        listener.execute(f"LISTEN {OUTBOX_CHANNEL}")
        with psycopg.connect(db) as conn:
            with conn.cursor() as cur:
                enqueue(cur, destination="core", path="/x/", event_type="ping", payload={})
            conn.rollback()
            assert list(listener.notifies(timeout=0.3)) == []
            with conn.cursor() as cur:
                enqueue(cur, destination="core", path="/x/", event_type="ping", payload={})
            conn.commit()
        notes = list(listener.notifies(timeout=5, stop_after=1))
    assert [n.channel for n in notes] == [OUTBOX_CHANNEL]


def test_backlog_counts_pending_dead_and_oldest_age(db: str) -> None:
    with psycopg.connect(db) as conn, conn.cursor() as cur:
        assert outbox_backlog(cur).pending == 0
        assert outbox_backlog(cur).oldest_pending_age_seconds is None
        for i in range(4):
            enqueue(cur, destination="core", path="/x/", event_type="ping", payload={}, msg_id=f"m{i}")
        cur.execute("UPDATE outbox_message SET created_at = now() - interval '1 hour' WHERE msg_id = 'm0'")
        cur.execute("UPDATE outbox_message SET dead = true WHERE msg_id = 'm1'")
        cur.execute("UPDATE outbox_message SET delivered_at = now() WHERE msg_id = 'm2'")
        conn.commit()
        backlog = outbox_backlog(cur)
    assert (backlog.pending, backlog.dead) == (2, 1)
    assert backlog.oldest_pending_age_seconds is not None
    assert 3500 < backlog.oldest_pending_age_seconds < 3700


def test_discard_pending_drops_only_unsent_unclaimed_messages_about_the_key(db: str) -> None:
    def rest(cur: Any, path: str, method: str = "POST", key: str | None = None) -> str:
        payload = {"document_key": key} if key else {}
        return enqueue(cur, destination="documents", path=path, method=method, payload=payload, kind="rest")

    with psycopg.connect(db) as conn, conn.cursor() as cur:
        old_text = rest(cur, "/process/text", key="project:a")
        old_delete = rest(cur, "/documents/project:a", method="DELETE")
        claimed = rest(cur, "/process/text", key="project:a")
        other_key = rest(cur, "/process/text", key="project:b")
        cur.execute("UPDATE outbox_message SET locked_by = 'd1' WHERE msg_id = %s", (claimed,))
        discard_pending(cur, destination="documents", document_key="project:a", path="/documents/project:a")
    with psycopg.connect(db) as conn:
        left = {row[0] for row in conn.execute("SELECT msg_id FROM outbox_message")}
    assert left == {claimed, other_key}
    assert old_text not in left and old_delete not in left
