"""The outbox carries declared operations (portfolio_shared.contracts): ``enqueue_call`` stores the
bound request and the dispatcher sends it to the operation's service; ``enqueue_webhook`` addresses
the declared receiver. A row written before operations existed (a raw path and dict, as the old
``enqueue(destination=..., path=..., payload=...)`` callers wrote it) is still delivered, the same way."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest
from test_outbox_support import SECRETS, Receiver, message, temp_database, truncate

from portfolio_shared.contracts import DELETE_DOCUMENT, PROCESS_TEXT, WEBHOOK_RECEIVERS
from portfolio_shared.outbox import Dispatcher, enqueue_call, enqueue_webhook
from portfolio_shared.schemas import DOCUMENT_PROCESSED, TextForIndexing

ITEM = TextForIndexing(document_key="project:rag", title="RAG", text="Retrieval, then generation.")


class Tokens:
    def get_token(self, audience: str) -> str:
        return f"token-for-{audience}"


@pytest.fixture(scope="module")
def db_url() -> Iterator[str]:
    with temp_database("operations") as url:
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


def _dispatcher(db: str, receiver: Receiver) -> Dispatcher:
    return Dispatcher(
        db,
        targets={"core": receiver.url, "documents": receiver.url + "/documents-api"},
        webhook_secrets={"core": SECRETS},
        token_provider=Tokens(),
        timeout=5.0,
    )


# What the outbox's callers wrote before operations: the row enqueue() then inserted, spelled out in
# SQL so that no code of today's builds it.
_OLD_ROW = """
INSERT INTO outbox_message (msg_id, kind, destination, path, method, event_type, payload, headers, request_id)
VALUES (%s, 'rest', 'documents', %s, %s, NULL, %s::jsonb, '{}'::jsonb, NULL)
"""


def test_an_operation_and_a_row_of_the_old_format_are_delivered_alike(db: str, receiver: Receiver) -> None:
    with psycopg.connect(db) as conn, conn.cursor() as cur:
        new_post = enqueue_call(cur, PROCESS_TEXT.bind(ITEM))
        new_delete = enqueue_call(cur, DELETE_DOCUMENT.bind(document_key="paper:hep-th/9901001"))
        cur.execute(
            _OLD_ROW, ("msg_old_post", "/process/text", "POST", json.dumps(ITEM.model_dump(mode="json")))
        )
        cur.execute(_OLD_ROW, ("msg_old_delete", "/documents/paper%3Ahep-th%2F9901001", "DELETE", "{}"))
    with _dispatcher(db, receiver) as dispatcher:
        assert dispatcher.run_once() == 4

    by_key = {a.headers["idempotency-key"]: a for a in receiver.arrivals}
    assert set(by_key) == {new_post, new_delete, "msg_old_post", "msg_old_delete"}
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
    assert by_key[new_post].path == "/documents-api/process/text"
    assert by_key[new_post].json() == ITEM.model_dump(mode="json")
    assert by_key[new_delete].path == "/documents-api/documents/paper%3Ahep-th%2F9901001"
    assert all(message(db, key)["delivered_at"] is not None for key in by_key)


def test_a_webhook_goes_to_its_declared_receiver(db: str, receiver: Receiver) -> None:
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
    with _dispatcher(db, receiver) as dispatcher:
        assert dispatcher.run_once() == 1
    [arrival] = receiver.arrivals
    assert arrival.webhook_id == msg_id
    assert arrival.path == WEBHOOK_RECEIVERS[DOCUMENT_PROCESSED].path
    assert arrival.json()["type"] == DOCUMENT_PROCESSED and arrival.json()["data"]["chunks"] == 2


def test_a_webhook_type_without_a_declared_receiver_is_refused(db: str) -> None:
    with psycopg.connect(db) as conn, conn.cursor() as cur, pytest.raises(ValueError, match="no receiver"):
        enqueue_webhook(cur, "scraper.job.exploded", {})
