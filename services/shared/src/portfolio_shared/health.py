"""Readiness checks for ``/ready``: each answers ``(ok, detail)`` quickly and never raises.

A check has a short timeout so a hung dependency makes ``/ready`` fail fast instead of hanging the
probe. Details are short and never contain credentials (URLs are reported without them).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg

from portfolio_shared.redis_timeouts import socket_timeouts

DEFAULT_TIMEOUT = 2.0
_MAX_DETAIL = 200

CheckResult = tuple[bool, str]


@dataclass(frozen=True)
class ReadinessCheck:
    """A named dependency check run by ``/ready``."""

    name: str
    check: Callable[[], Awaitable[CheckResult]]


#: Seconds any Postgres connection may take to open (libpq's ``connect_timeout``): every
#: ``psycopg.connect``, SQLAlchemy engine and Django database passes it, so an unreachable server
#: fails a call instead of hanging it (tests/infra/test_connect_timeouts.py looks for each).
DB_CONNECT_TIMEOUT_S = 5


def libpq_url(database_url: str) -> str:
    """``database_url`` as libpq reads it: SQLAlchemy's ``postgresql+psycopg://`` without ``+psycopg``."""
    scheme, sep, rest = database_url.partition("://")
    if not sep:
        return database_url
    return f"{scheme.split('+', 1)[0]}://{rest}"


def redact_url(url: str) -> str:
    """``url`` without its password, for logs and details."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def _failure(exc: BaseException) -> CheckResult:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return False, detail[:_MAX_DETAIL]


async def run_check(check: ReadinessCheck, timeout_s: float = DEFAULT_TIMEOUT + 1) -> CheckResult:
    """Run one check with an overall timeout; an exception or a timeout is a failure, not a raise."""
    try:
        async with asyncio.timeout(timeout_s):
            return await check.check()
    except TimeoutError:
        return False, f"timed out after {timeout_s:g}s"
    except Exception as exc:  # a broken check must not break /ready
        return _failure(exc)


async def check_postgres(database_url: str, timeout_s: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Connect to ``database_url`` and run ``SELECT 1``."""
    try:
        async with asyncio.timeout(timeout_s):
            conn = await psycopg.AsyncConnection.connect(
                libpq_url(database_url), connect_timeout=max(1, int(timeout_s)), autocommit=True
            )
            async with conn:
                await conn.execute("SELECT 1")
    except TimeoutError:
        return False, f"timed out after {timeout_s:g}s"
    except Exception as exc:
        return _failure(exc)
    return True, "ok"


async def check_redis(url: str, timeout_s: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Send ``PING`` to the Redis at ``url``. Needs the ``redis`` package (Redis users install it)."""
    from redis.asyncio import Redis  # only the services that talk to Redis install it

    client = Redis.from_url(url, **socket_timeouts(timeout_s))
    try:
        async with asyncio.timeout(timeout_s):
            pong = await client.ping()
    except TimeoutError:
        return False, f"timed out after {timeout_s:g}s"
    except Exception as exc:
        return _failure(exc)
    finally:
        await client.aclose()
    return (True, "ok") if pong else (False, "no PONG")


async def check_http(url: str, timeout_s: float = DEFAULT_TIMEOUT) -> CheckResult:
    """``GET url``; ready when it answers 2xx."""
    try:
        async with httpx.AsyncClient(timeout=timeout_s) as client:
            response = await client.get(url)
    except Exception as exc:
        return _failure(exc)
    if response.is_success:
        return True, f"HTTP {response.status_code}"
    return False, f"HTTP {response.status_code} from {redact_url(url)}"


def postgres_check(database_url: str, name: str = "postgres") -> ReadinessCheck:
    """A :class:`ReadinessCheck` running :func:`check_postgres`."""
    return ReadinessCheck(name, lambda: check_postgres(database_url))


def redis_check(url: str, name: str = "redis") -> ReadinessCheck:
    """A :class:`ReadinessCheck` running :func:`check_redis`."""
    return ReadinessCheck(name, lambda: check_redis(url))


def http_check(url: str, name: str) -> ReadinessCheck:
    """A :class:`ReadinessCheck` running :func:`check_http`."""
    return ReadinessCheck(name, lambda: check_http(url))


__all__ = [
    "DEFAULT_TIMEOUT",
    "CheckResult",
    "ReadinessCheck",
    "check_http",
    "check_postgres",
    "check_redis",
    "http_check",
    "libpq_url",
    "postgres_check",
    "redact_url",
    "redis_check",
    "run_check",
]
