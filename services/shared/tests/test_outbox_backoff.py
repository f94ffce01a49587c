"""Backoff and Retry-After arithmetic (pure functions; the dispatcher tests check they are applied)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio_shared.outbox import backoff_cap, backoff_delay, parse_retry_after

NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)


def test_cap_doubles_per_attempt_until_the_maximum() -> None:
    assert [backoff_cap(n, 2.0, 60.0) for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]


def test_cap_survives_absurd_attempt_counts() -> None:
    assert backoff_cap(10_000, 2.0, 3600.0) == 3600.0


def test_attempts_start_at_one() -> None:
    with pytest.raises(ValueError):
        backoff_cap(0, 1.0, 10.0)


@given(st.integers(1, 200), st.floats(0.001, 100), st.floats(0.001, 100_000))
def test_full_jitter_stays_within_zero_and_the_cap(attempt: int, base: float, maximum: float) -> None:
    delay = backoff_delay(attempt, base, maximum)
    assert 0.0 <= delay <= backoff_cap(attempt, base, maximum)


def test_jitter_is_applied_and_clamped() -> None:
    assert backoff_delay(3, 1.0, 100.0, jitter=lambda cap: cap / 2) == 2.0
    assert backoff_delay(3, 1.0, 100.0, jitter=lambda cap: cap * 10) == 4.0
    assert backoff_delay(3, 1.0, 100.0, jitter=lambda cap: -1.0) == 0.0


def test_retry_after_delta_seconds() -> None:
    assert parse_retry_after("120", NOW) == 120.0
    assert parse_retry_after(" 7 ", NOW) == 7.0


def test_retry_after_http_date() -> None:
    when = NOW + timedelta(minutes=5)
    assert parse_retry_after(format_datetime(when, usegmt=True), NOW) == 300.0
    assert parse_retry_after("Sun, 29 Nov 2026 12:01:00 GMT", NOW) == 60.0


def test_retry_after_in_the_past_means_now() -> None:
    assert parse_retry_after(format_datetime(NOW - timedelta(hours=1), usegmt=True), NOW) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5", "Someday, 99 Foo 2026"])
def test_unusable_retry_after_is_ignored(value: str | None) -> None:
    assert parse_retry_after(value, NOW) is None
