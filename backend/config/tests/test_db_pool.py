"""The pool hands out live connections without a round trip per checkout (config.db), and replaces
the ones Postgres closed before a request gets them."""

from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest
from django.db import connection
from psycopg_pool import ConnectionPool

from config.db import base as db

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each round-trip check (psycopg_pool's check_connection) the pool runs, by backend pid."""
    checked: list[int] = []
    original = ConnectionPool.check_connection

    def counting(conn: psycopg.Connection[Any]) -> None:
        checked.append(conn.info.backend_pid)
        original(conn)

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(counting))
    return checked


def pool() -> ConnectionPool[Any]:
    assert connection.pool is not None
    connection.pool.open()
    connection.pool.wait()
    return connection.pool


def checkout(times: int) -> list[int]:
    """Take a connection from the pool, use it, give it back, ``times`` times; their backend pids."""
    pids = []
    for _ in range(times):
        with pool().connection() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            pids.append(conn.info.backend_pid)
    return pids


def test_a_healthy_connection_is_handed_out_without_a_round_trip(full_checks: list[int]) -> None:
    assert pool()._check is db.check_idle_connection
    assert len(checkout(5)) == 5
    assert full_checks == []


def test_connections_postgres_closed_are_replaced_before_anyone_gets_them(full_checks: list[int]) -> None:
    idle = {conn.info.backend_pid for conn in pool()._pool}
    assert idle
    with psycopg.connect(**{**connection.get_connection_params(), "autocommit": True}) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", (sorted(idle),))
        for _ in range(100):  # until the backends have exited (their sockets closed), at most 5 s
            if not admin.execute(
                "SELECT 1 FROM pg_stat_activity WHERE pid = ANY(%s)", (sorted(idle),)
            ).fetchone():
                break
            time.sleep(0.05)
    served = checkout(len(idle) + 1)  # no checkout fails
    assert set(full_checks) == idle  # each closed one was found by its socket, then checked in full
    assert not set(served) & idle  # and replaced
