"""The outbox gauges, read from the table at each scrape (real Postgres)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import psycopg
import pytest
from prometheus_client import CollectorRegistry
from test_outbox_support import temp_database, truncate

from portfolio_shared.outbox import enqueue, psycopg_cursors, register_outbox_collector


@pytest.fixture(scope="module")
def db_url() -> Iterator[str]:
    with temp_database("metrics") as url:
        yield url


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_the_gauges_follow_the_table(db_url: str) -> None:
    truncate(db_url)
    registry = CollectorRegistry()
    register_outbox_collector(psycopg_cursors(db_url), registry)
    assert registry.get_sample_value("outbox_collector_up") == 1
    assert registry.get_sample_value("outbox_backlog") == 0
    assert registry.get_sample_value("outbox_oldest_pending_age_seconds") == 0

    with psycopg.connect(db_url) as conn, conn.cursor() as cur:
        msg_id = enqueue(cur, destination="core", path="/hook/", event_type="ping", payload={})
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE outbox_message SET created_at = now() - interval '10 minutes' WHERE msg_id = %s",
            (msg_id,),
        )
    assert registry.get_sample_value("outbox_backlog") == 1
    age = registry.get_sample_value("outbox_oldest_pending_age_seconds")
    assert age is not None and age >= 600

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("UPDATE outbox_message SET dead = true WHERE msg_id = %s", (msg_id,))
    assert registry.get_sample_value("outbox_backlog") == 0
    assert registry.get_sample_value("outbox_dead_messages") == 1


def test_an_unreachable_database_is_reported_not_raised() -> None:
    registry = CollectorRegistry()
    register_outbox_collector(psycopg_cursors(f"postgresql://postgres@127.0.0.1:{closed_port()}/x"), registry)
    assert registry.get_sample_value("outbox_collector_up") == 0
    assert registry.get_sample_value("outbox_backlog") is None


def test_registering_again_replaces_the_collector(db_url: str) -> None:
    registry = CollectorRegistry()
    register_outbox_collector(psycopg_cursors(f"postgresql://postgres@127.0.0.1:{closed_port()}/x"), registry)
    register_outbox_collector(psycopg_cursors(db_url), registry)
    assert registry.get_sample_value("outbox_collector_up") == 1
