"""Writes accepted events to Redis: one Lua call (``record.lua``) per flush, group commit across
concurrent requests.

Every request awaits its own write before it answers 202, so nothing acknowledged is lost. While a
call is in flight, requests that arrive queue up and the next call carries all of them: under load
the number of round trips falls with the number of waiting requests instead of growing with it. A
Redis error fails every request of that flush (the caller answers 503).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

import orjson
from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError

from portfolio_analytics import keys
from portfolio_analytics.config import AnalyticsSettings
from portfolio_analytics.events.privacy import SESSION_WINDOW_MS

LUA = files("portfolio_analytics.events").joinpath("record.lua").read_text(encoding="utf-8")

ACTIVE_WINDOW_MS = 5 * 60 * 1000
REFUSED, RECORDED, RECORDED_AS_OLD = 0, 1, 2
#: Hourly keys serve "today" and trending over the last 24 hours (against the 24 before).
HOUR_TTL_SECONDS = 3 * 86_400
#: A search can be clicked through for one session window; its marker then expires.
SEARCH_TTL_MS = SESSION_WINDOW_MS
#: The visitor's hash (open visit and token bucket) outlives the session window a little (the
#: window itself is checked in Lua against event times, so an injected clock works); it only
#: garbage-collects. A bucket that would take longer to refill keeps it longer.
SESSION_TTL_MS = 2 * SESSION_WINDOW_MS
#: Most groups a single Lua call carries; a flush of more is split (keeps one call short).
MAX_GROUPS_PER_CALL = 256
#: Calls in flight at once. One: with Redis on the same cores, two in flight halved the groups a
#: call carries and cost more than the overlap gained (make bench, wrk: ~4,100 against ~3,600/s).
#: The writer's single connection relies on it.
MAX_IN_FLIGHT = 1


#: Events one fold call writes at most (whole queued calls: one may carry more), and the time it
#: may spend on them before it writes what it summed (Redis serves nothing else during a call: this
#: bounds what the fold adds to a request's latency to a few ms). Within them, a batch's writes to
#: the same key are summed into one (ADR 14).
FOLD_RECORDS = 5000
FOLD_BUDGET_US = 3000
#: Fold calls a filtered read makes before it reads (they empty the queue unless events keep coming
#: faster than it folds).
FOLD_ROUNDS_BEFORE_READ = 50


@dataclass
class Group:
    """One request's events for one visitor: Lua-ready dicts (see ``intake.py``)."""

    visitor: str
    #: The id under yesterday's salt, during the first session window of a day.
    old_visitor: str | None
    #: The client address's id under today's salt: the key of its budget.
    address: str
    now_ms: int
    events: list[dict[str, Any]]
    future: asyncio.Future[int] = field(init=False)


class Recorder:
    def __init__(self, settings: AnalyticsSettings) -> None:
        self.prefix = settings.redis_prefix
        refill_ms = int(settings.rate_limit_burst / settings.rate_limit_per_second * 1000)
        address_refill_ms = int(settings.ip_budget_burst / settings.ip_budget_per_second * 1000)
        day_ttl = settings.aggregate_retention_days * 86_400
        self.config = orjson.dumps(
            {
                "window_ms": SESSION_WINDOW_MS,
                "active_ms": ACTIVE_WINDOW_MS,
                "day_ttl": day_ttl,
                # Daily sets kept for another period than the other aggregates.
                "set_ttl": {
                    name: settings.set_retention_days(name) * 86_400
                    for name in keys.DAILY_SETS
                    if settings.set_retention_days(name) != settings.aggregate_retention_days
                },
                "distinct": settings.distinct_per_set,
                "filter_values": settings.filter_values_per_day,
                "other": keys.OTHER,
                "hour_ttl": HOUR_TTL_SECONDS,
                # A day's stream lives its retention period counted from the end of that day.
                "raw_ttl": (settings.raw_event_retention_days + 1) * 86_400,
                "raw_maxlen": settings.raw_stream_maxlen,
                "burst": settings.rate_limit_burst,
                "rate": settings.rate_limit_per_second,
                "ip_burst": settings.ip_budget_burst,
                "ip_rate": settings.ip_budget_per_second,
                # An address's bucket is forgotten once it would be full again.
                "ip_ttl_ms": address_refill_ms + 1000,
                "search_ttl_ms": SEARCH_TTL_MS,
                "session_ttl_ms": max(SESSION_TTL_MS, refill_ms + 1000),
                "periods": list(keys.PERIODS),
            }
        )
        self._pending: list[Group] = []
        self._in_flight = 0
        self._tasks: set[asyncio.Task[None]] = set()  # strong references while they run
        self._sha: str | None = None
        self._connection: AbstractConnection | None = None
        self._connection_pool: ConnectionPool | None = None
        #: When the last write call ended (``time.monotonic()``): the fold yields to a busy writer.
        self.last_write = 0.0

    async def record(self, redis: Redis, group: Group) -> int:
        """Write ``group``: :data:`REFUSED` (the visitor's token bucket; nothing written),
        :data:`RECORDED`, or :data:`RECORDED_AS_OLD` (under ``old_visitor``)."""
        group.future = asyncio.get_running_loop().create_future()
        self._pending.append(group)
        if self._in_flight < MAX_IN_FLIGHT:
            self._in_flight += 1
            task = asyncio.get_running_loop().create_task(self._flush(redis))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await group.future

    async def _flush(self, redis: Redis) -> None:
        try:
            while self._pending:
                batch = self._pending[:MAX_GROUPS_PER_CALL]
                del self._pending[:MAX_GROUPS_PER_CALL]
                try:
                    results = await self._call(redis, batch)
                except BaseException as exc:  # every waiting request gets it
                    for group in batch:
                        if not group.future.done():
                            group.future.set_exception(exc)
                    if not isinstance(exc, Exception):
                        raise
                    continue
                for group, result in zip(batch, results, strict=True):
                    if not group.future.done():
                        group.future.set_result(int(result))
        finally:
            self._in_flight -= 1

    async def _call(self, redis: Redis, batch: list[Group]) -> list[int]:
        body = b'{"cfg":' + self.config + b',"groups":' + orjson.dumps([_group(g) for g in batch]) + b"}"
        results: list[int] = await self._script(lambda *args: self._command(redis, *args), body)
        self.last_write = time.monotonic()
        return results

    async def _script(self, run: Callable[..., Awaitable[Any]], body: bytes) -> Any:
        """``record.lua`` with ``body`` through ``run`` (a command sender), loading the script first
        and once more if Redis lost it (a restart or SCRIPT FLUSH)."""
        if self._sha is None:
            self._sha = await run("SCRIPT", "LOAD", LUA)
        try:
            return await run("EVALSHA", self._sha, 0, self.prefix, body)
        except NoScriptError:
            self._sha = await run("SCRIPT", "LOAD", LUA)
            return await run("EVALSHA", self._sha, 0, self.prefix, body)

    async def _command(self, redis: Redis, *args: Any) -> Any:
        """One command on the writer's own connection (made with ``redis``'s settings).

        Only one call is ever in flight, so the writer needs one connection, and using it directly
        skips the client's per-command pool checkout and wrappers: on the hot path they cost more
        than the write. The connection's health check (idle connections are pinged first and
        reopened) covers a connection Redis closed; a failure drops it, and the next call reconnects.
        """
        connection = self._connection
        if connection is None or self._connection_pool is not redis.connection_pool:
            await self.aclose()
            pool = redis.connection_pool
            connection = self._connection = pool.connection_class(**pool.connection_kwargs)
            self._connection_pool = pool
        try:
            await connection.send_command(*args)
            return await connection.read_response()
        except (RedisConnectionError, RedisTimeoutError, OSError):
            await connection.disconnect()
            raise

    async def fold(self, redis: Redis, records: int = FOLD_RECORDS) -> int:
        """Write pending filter copies (ADR 14): whole queued calls until ``records`` events are
        folded, in one script call on ``redis``'s pool (not the writer's connection). Returns the
        calls still queued."""
        body = b'{"cfg":%s,"fold":%d,"budget_us":%d}' % (self.config, records, FOLD_BUDGET_US)
        return int(await self._script(redis.execute_command, body))

    async def fold_all(self, redis: Redis, rounds: int | None = FOLD_ROUNDS_BEFORE_READ) -> int:
        """Fold until nothing is queued or ``rounds`` calls were made (a reader's bound while
        events keep coming; None: until nothing is); the calls still queued."""
        made = 0
        while rounds is None or made < rounds:
            made += 1
            if not (left := await self.fold(redis)):
                return 0
        return left

    async def aclose(self) -> None:
        """Close the writer's connection (the service's lifespan does, at shutdown)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.disconnect()


def _group(group: Group) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "v": group.visitor,
        "ip": group.address,
        "now": group.now_ms,
        "n": len(group.events),
        "ev": group.events,
    }
    if group.old_visitor is not None:
        payload["vo"] = group.old_visitor  # absent rather than null: cjson's null is truthy in Lua
    return payload
