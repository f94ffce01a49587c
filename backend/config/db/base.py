"""Core's database engine: Django's PostgreSQL backend, its pool checking a connection without a round trip.

Django's pool (``OPTIONS["pool"]``) with ``CONN_HEALTH_CHECKS`` checks each connection it hands
out with psycopg_pool's ``check_connection``: an empty query, one round trip to Postgres per
request, and a wait for its answer in the request's thread (and then for the GIL). Here the pool
first asks the socket: an idle connection that is alive has nothing to read; one that Postgres
closed (a restart, a failover, ``pg_terminate_backend``) has its goodbye or the end of the stream
waiting. Only then does the full check run, fail, and the pool replace the connection, as before.
A connection cut off silently (no packet ever arrives) is not detected by either before a query
times out (``connect_timeout``, TCP keepalives).
"""

from __future__ import annotations

import select
from typing import Any

from django.db.backends.postgresql import base
from psycopg import Connection
from psycopg_pool import ConnectionPool


def check_idle_connection(conn: Connection[Any]) -> None:
    """psycopg_pool's ``check_connection`` only when the idle connection has something to read."""
    poll = select.poll()
    poll.register(conn.pgconn.socket, select.POLLIN)
    if poll.poll(0):
        ConnectionPool.check_connection(conn)


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self) -> ConnectionPool[Any] | None:
        pool: ConnectionPool[Any] | None = super().pool
        # Django passes psycopg_pool's own check when CONN_HEALTH_CHECKS is on (config.settings).
        if pool is not None and pool._check is ConnectionPool.check_connection:
            pool._check = check_idle_connection
        return pool
