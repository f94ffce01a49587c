"""When to try a failed delivery again: exponential backoff with full jitter, or ``Retry-After``."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

#: Picks the actual delay in ``[0, cap]``; "full jitter" spreads retries of many senders apart.
Jitter = Callable[[float], float]


def full_jitter(cap: float) -> float:
    """A uniformly random delay in ``[0, cap]``."""
    return random.uniform(0.0, cap)


def backoff_cap(attempt: int, base: float, maximum: float) -> float:
    """The longest delay after failed attempt ``attempt`` (1-based): ``base * 2**(attempt-1)``, capped."""
    if attempt < 1:
        raise ValueError("attempt numbers start at 1")
    # Cap the exponent first so that a huge attempt count cannot overflow the float.
    exponent = min(attempt - 1, 62)
    return min(maximum, base * math.pow(2.0, exponent))


def backoff_delay(attempt: int, base: float, maximum: float, jitter: Jitter = full_jitter) -> float:
    """Seconds to wait after failed attempt ``attempt``: ``jitter(backoff_cap(...))``, clamped to the cap."""
    cap = backoff_cap(attempt, base, maximum)
    return min(cap, max(0.0, jitter(cap)))


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from ``now`` that a ``Retry-After`` header asks for (delta-seconds or HTTP date).

    ``None`` when the header is absent or unparseable; a date in the past gives ``0``.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        # RFC 9110 dates are always GMT; a naive result means the zone was "-0000".
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
