"""The analytics service's sample week of traffic (its ``/internal/sample``), loaded and removed with
the rest of the sample data (``accounts.sample_data``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from core_lib.upstreams import call
from portfolio_shared.clients import AnalyticsClient, RetryPolicy

#: Writing a week of events through the real intake takes a second or two; a busy machine more.
DEADLINE_SECONDS = 60.0


def _sample(operation: Callable[[AnalyticsClient], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    return call(AnalyticsClient, operation, deadline=DEADLINE_SECONDS, retry=RetryPolicy(attempts=2))


def load_sample_traffic() -> dict[str, Any]:
    """``PUT /internal/sample``: a week of sample traffic ending now (replaces a loaded one)."""
    return _sample(lambda c: c.load_sample())


def remove_sample_traffic() -> dict[str, Any]:
    """``DELETE /internal/sample``: only the sample's keys go."""
    return _sample(lambda c: c.remove_sample())
