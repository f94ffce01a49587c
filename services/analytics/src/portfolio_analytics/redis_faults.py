"""Redis being down is an answer, not a hang: short timeouts, and 503 with the envelope.

redis-py's defaults (5 s socket timeouts, ten retries with backoff) would hold an ingestion
request for seconds while Redis is down, and a Redis that accepts connections but never answers
would hold it without end. Every analytics Redis client (the pool, the writer's connection made
from it, the readiness check, Socket.IO's ``AsyncRedisManager``) uses the platform's timeouts
(``portfolio_shared.redis_timeouts``), so it gives up within about a second, and the handler turns
the failure into ``503 redis_unavailable`` with ``Retry-After``. A Redis over its ``maxmemory``
(the analytics instance never evicts) refuses writes: the same 503. Nothing needs restarting when
Redis returns: the pool opens fresh connections on the next request.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError as RedisOutOfMemoryError
from redis.exceptions import TimeoutError as RedisTimeoutError

from portfolio_shared.errors.fastapi import error_response
from portfolio_shared.redis_timeouts import socket_timeouts

#: Seconds a request waits for a free pooled connection.
REDIS_POOL_WAIT = 2.0
#: Connections per process; a request waits for a free one (loopback commands take microseconds).
REDIS_MAX_CONNECTIONS = 100
#: One quick retry covers a connection closed by Redis (restart, idle timeout), not an outage; a
#: timeout is not retried (a Redis that does not answer would only double the wait).
REDIS_RETRY = Retry(
    ExponentialWithJitterBackoff(base=0.01, cap=0.1), retries=1, supported_errors=(RedisConnectionError,)
)

REDIS_UNAVAILABLE = "redis_unavailable"

logger = logging.getLogger(__name__)


def connect_redis(url: str) -> Redis:
    """The service's Redis client, failing fast when Redis is unreachable.

    The pool blocks for a free connection: redis-py's default pool raises ``MaxConnectionsError``
    (a ``ConnectionError``) past 100 connections, which a burst of requests would turn into
    503s although Redis is fine. Waiting longer than the read timeout is an outage again.
    """
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=REDIS_MAX_CONNECTIONS,
        timeout=REDIS_POOL_WAIT,
        decode_responses=True,
        retry=REDIS_RETRY,
        # Loopback Redis answers in well under 1 ms; the writer's largest call (256 requests) a few ms.
        **socket_timeouts(),
        health_check_interval=30,
    )
    return Redis.from_pool(pool)


async def _redis_unavailable(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("%s on %s %s: %s", REDIS_UNAVAILABLE, request.method, request.url.path, exc)
    return error_response(
        503,
        REDIS_UNAVAILABLE,
        "The analytics store (Redis) is unavailable; try again shortly.",
        {"reason": type(exc).__name__},
        headers={"Retry-After": "1"},
    )


def install_redis_fault_handler(app: FastAPI) -> None:
    """Answer 503 ``redis_unavailable`` for Redis connection failures, timeouts and a full Redis
    (``OOM command not allowed``) on any route."""
    app.add_exception_handler(RedisConnectionError, _redis_unavailable)
    app.add_exception_handler(RedisTimeoutError, _redis_unavailable)
    app.add_exception_handler(RedisOutOfMemoryError, _redis_unavailable)
