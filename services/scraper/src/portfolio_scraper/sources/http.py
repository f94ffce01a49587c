"""GET with bounded retries: exponential backoff with jitter, honouring ``Retry-After``.

Retried: timeouts, connection errors, 429 and 5xx answers (and whatever ``throttled`` recognises).
Anything else is returned to the caller, who knows what a 400 or a 404 means for its API.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from portfolio_scraper.sources.limiter import Sleep

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class UpstreamError(Exception):
    """The upstream stayed unreachable, slow or throttled through every attempt."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); ``None`` if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    waited: float = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, waited)


def backoff_delay(attempt: int, *, base: float, cap: float) -> float:
    """Exponential delay for the ``attempt``-th retry (1-based) plus up to one ``base`` of jitter."""
    return min(cap, base * 2.0 ** (attempt - 1)) + random.uniform(0, base)


async def get_with_retries(
    client: httpx.AsyncClient,
    url: str,
    *,
    params: dict[str, str | int] | None = None,
    attempts: int,
    sleep: Sleep,
    slot: Callable[[], AbstractAsyncContextManager[None]] | None = None,
    base_delay: float = 1.0,
    max_delay: float = 120.0,
    throttled: Callable[[httpx.Response], bool] | None = None,
) -> httpx.Response:
    """GET ``url`` up to ``attempts`` times; return the first answer that is not worth retrying.

    ``slot`` (e.g. :meth:`ArxivRateLimiter.slot`) wraps every single attempt. A ``Retry-After``
    longer than ``max_delay`` ends the attempts at once: waiting that long inside a job helps no one.
    Raises :class:`UpstreamError` with the last reason when every attempt failed.
    """
    if attempts < 1:
        raise ValueError("attempts must be >= 1")
    reason = "no attempt made"
    for attempt in range(1, attempts + 1):
        retry_after: float | None = None
        try:
            if slot is None:
                response = await client.get(url, params=params)
            else:
                async with slot():
                    response = await client.get(url, params=params)
        except httpx.TimeoutException as exc:
            reason = f"timed out ({type(exc).__name__})"
        except httpx.TransportError as exc:
            reason = f"unreachable ({type(exc).__name__}: {exc})"
        else:
            is_throttled = throttled is not None and throttled(response)
            if response.status_code not in RETRY_STATUSES and not is_throttled:
                return response
            reason = f"HTTP {response.status_code}" + (" (throttled)" if is_throttled else "")
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if attempt == attempts:
            break
        if retry_after is not None and retry_after > max_delay:
            raise UpstreamError(f"{reason}, asked to retry after {retry_after:.0f} s")
        delay = backoff_delay(attempt, base=base_delay, cap=max_delay)
        if retry_after is not None:
            delay = max(delay, retry_after)
        await sleep(delay)
    raise UpstreamError(f"{reason} after {attempts} attempts")
