"""When a client retries, and how long it waits (the arithmetic is :mod:`portfolio_shared.retry`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from portfolio_shared.clients.wire import retry_after
from portfolio_shared.retry import Jitter, backoff_delay, full_jitter

#: Methods that may be repeated without changing the outcome (RFC 9110 §9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

#: Failures after which the request was certainly never sent, so even a POST may be repeated.
NOT_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
#: Failures worth another try when repeating the request is safe.
TRANSIENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts a call gets and how long to wait between them.

    The n-th retry waits a random time up to ``backoff * 2**(n-1)`` seconds, capped at
    ``max_backoff`` (full jitter, so that callers failing together do not retry together). A
    ``Retry-After`` header replaces that delay; one longer than ``max_retry_after`` ends the retries
    (the error then carries the header, for a caller such as the outbox that can wait that long).
    """

    attempts: int = 3
    backoff: float = 0.2
    max_backoff: float = 5.0
    max_retry_after: float = 30.0
    statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 502, 503, 504}))
    jitter: Jitter = field(default=full_jitter, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")

    def backoff_delay(self, retry: int) -> float:
        """Seconds to wait before the ``retry``-th retry (1-based) when the peer gave no ``Retry-After``."""
        return backoff_delay(retry, self.backoff, self.max_backoff, self.jitter)

    def delay_for(self, response: httpx.Response, retry: int) -> float | None:
        """Seconds to wait before retrying after ``response``, or None when it should not be retried."""
        wait = retry_after(response)
        if wait is None:
            return self.backoff_delay(retry)
        return wait if wait <= self.max_retry_after else None


def retryable_error(exc: httpx.TransportError, *, repeatable: bool) -> bool:
    """Whether a transport failure may be retried; ``repeatable`` says the request is safe to repeat."""
    if isinstance(exc, NOT_SENT_ERRORS):
        return True
    return repeatable and isinstance(exc, TRANSIENT_ERRORS)
