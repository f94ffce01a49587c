"""GET with bounded retries: exponential backoff with full jitter, honouring ``Retry-After``.

Retried: timeouts, connection errors, 429 and 5xx answers (and whatever ``throttled`` recognises).
Anything else is returned to the caller, who knows what a 400 or a 404 means for its API.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx

from portfolio_scraper.sources.limiter import Sleep
from portfolio_shared.retry import Jitter, backoff_delay, full_jitter, parse_retry_after

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class UpstreamError(Exception):
    """The upstream stayed unreachable, slow or throttled through every attempt."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
    jitter: Jitter = full_jitter,
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
        if retry_after is None:
            retry_after = backoff_delay(attempt, base_delay, max_delay, jitter)
        await sleep(retry_after)
    raise UpstreamError(f"{reason} after {attempts} attempts")
