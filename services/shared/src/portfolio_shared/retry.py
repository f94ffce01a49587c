"""How long to wait before trying again: exponential backoff with full jitter, and ``Retry-After``.

The one retry arithmetic of the workspace. The typed clients (:mod:`portfolio_shared.clients`),
the outbox's schedule (:mod:`portfolio_shared.outbox`) and the scraper's upstream fetches all wait
:func:`backoff_delay` between attempts, or what the peer asked for in ``Retry-After``
(:func:`parse_retry_after`); each caller only chooses its base, its cap and how long a
``Retry-After`` it is willing to honour.

Full jitter (a uniformly random delay between zero and the exponential ceiling) spreads the retries
of many callers that failed together, so they do not come back together.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

#: Picks the actual delay in ``[0, cap]`` given the ceiling ``cap``.
Jitter = Callable[[float], float]

#: The longest ``Retry-After`` the parser reports (a year): a larger or absurd value is clamped to it,
#: so callers always get a finite number of seconds to compare with their own limit.
RETRY_AFTER_CAP = 365 * 24 * 3600.0


def full_jitter(cap: float) -> float:
    """A uniformly random delay in ``[0, cap]``."""
    return random.uniform(0.0, cap)


def backoff_cap(attempt: int, base: float, maximum: float) -> float:
    """The longest wait after failed attempt ``attempt`` (1-based): ``base * 2**(attempt-1)``, at most
    ``maximum``."""
    if attempt < 1:
        raise ValueError("attempt numbers start at 1")
    # Cap the exponent first so that a huge attempt count cannot overflow the float.
    exponent = min(attempt - 1, 62)
    return min(maximum, base * math.pow(2.0, exponent))


def backoff_delay(attempt: int, base: float, maximum: float, jitter: Jitter = full_jitter) -> float:
    """Seconds to wait after failed attempt ``attempt``: ``jitter(backoff_cap(...))`` clamped to the cap."""
    cap = backoff_cap(attempt, base, maximum)
    return min(cap, max(0.0, jitter(cap)))


def parse_retry_after(
    value: str | None, now: datetime | None = None, *, cap: float = RETRY_AFTER_CAP
) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (RFC 9110 §10.2.3), at most ``cap``.

    Takes delta-seconds (``"120"``) or an HTTP-date, counted from ``now`` (default: the current
    time); a date in the past gives ``0``. ``None`` when the header is absent or not one of the two.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return min(cap, float(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        # RFC 9110 dates are always GMT; a naive result means the zone was "-0000".
        when = when.replace(tzinfo=UTC)
    try:
        waited = (when - (now or datetime.now(UTC))).total_seconds()
    except OverflowError:
        return cap
    return min(cap, max(0.0, waited))
