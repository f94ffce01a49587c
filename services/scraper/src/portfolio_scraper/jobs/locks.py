"""Which scrape jobs still have a live owner: Postgres advisory locks, one per running job.

Jobs run inside the process that accepted them (the API, or the CLI). While it runs a job, that
process holds a session-level advisory lock keyed by the job id on one dedicated connection.
Postgres drops the lock when the connection goes away, so after a crash, a kill or a restart the
lock of every job the dead process owned is free: anyone can then tell an orphaned job (lock free)
from one another live process is still running (lock taken) with ``pg_try_advisory_xact_lock``,
without heartbeats or guesses about how long a job may take.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

import psycopg

from portfolio_shared.health import DB_CONNECT_TIMEOUT_S, libpq_url

logger = logging.getLogger(__name__)

#: The advisory lock that serialises the "what was already sent" bookkeeping of finishing jobs.
SEEN_PAPERS_LOCK = 0x5C4A_9E25_0000_0001


def lock_key(job_id: uuid.UUID) -> int:
    """The signed 64-bit advisory lock key of ``job_id`` (its first 8 bytes)."""
    return int.from_bytes(job_id.bytes[:8], "big", signed=True)


class JobLocks:
    """The advisory locks this process holds for the jobs it runs, on one autocommit connection."""

    def __init__(self, database_url: str) -> None:
        self._conninfo = libpq_url(database_url)
        self._conn: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self._guard = asyncio.Lock()
        self._held: set[uuid.UUID] = set()

    async def _connection(self) -> psycopg.AsyncConnection[tuple[object, ...]]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            if self._held:
                # The old connection died with its locks: those jobs now look orphaned to others.
                logger.warning("job lock connection lost", extra={"jobs": sorted(map(str, self._held))})
                self._held.clear()
            self._conn = await psycopg.AsyncConnection.connect(
                self._conninfo, autocommit=True, connect_timeout=DB_CONNECT_TIMEOUT_S
            )
        return self._conn

    async def acquire(self, job_id: uuid.UUID) -> None:
        """Take the lock of a new job (before its row is committed, so it is never seen unowned)."""
        async with self._guard:
            conn = await self._connection()
            await conn.execute("SELECT pg_advisory_lock(%s)", (lock_key(job_id),))
            self._held.add(job_id)

    async def release(self, job_id: uuid.UUID) -> None:
        """Give the lock of a job back (when it ended, or was never created)."""
        async with self._guard:
            if job_id not in self._held or self._conn is None or self._conn.closed:
                self._held.discard(job_id)
                return
            self._held.discard(job_id)
            try:
                await self._conn.execute("SELECT pg_advisory_unlock(%s)", (lock_key(job_id),))
            except psycopg.Error:
                logger.warning("could not release a job lock", extra={"job_id": str(job_id)}, exc_info=True)

    @property
    def held(self) -> frozenset[uuid.UUID]:
        return frozenset(self._held)

    async def aclose(self) -> None:
        """Close the connection, which releases every lock still held."""
        async with self._guard:
            if self._conn is not None and not self._conn.closed:
                await self._conn.close()
            self._conn = None
            self._held.clear()
