"""The one retry arithmetic: backoff bounds and the ``Retry-After`` parser (pure functions; the
client, dispatcher and scraper tests check that each applies them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio_shared.retry import RETRY_AFTER_CAP, backoff_cap, backoff_delay, parse_retry_after

NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)


def test_cap_doubles_per_attempt_until_the_maximum() -> None:
    assert [backoff_cap(n, 2.0, 60.0) for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]


def test_cap_survives_absurd_attempt_counts() -> None:
    assert backoff_cap(10_000, 2.0, 3600.0) == 3600.0


def test_attempts_start_at_one() -> None:
    with pytest.raises(ValueError):
        backoff_cap(0, 1.0, 10.0)


@given(st.integers(1, 10_000), st.floats(0.001, 100), st.floats(0.001, 100_000))
def test_full_jitter_stays_within_zero_and_the_cap(attempt: int, base: float, maximum: float) -> None:
    delay = backoff_delay(attempt, base, maximum)
    assert 0.0 <= delay <= backoff_cap(attempt, base, maximum) <= maximum


@given(st.integers(1, 200), st.floats(0.001, 100), st.floats(0.001, 100_000))
def test_the_ceiling_never_shrinks_from_try_to_try(attempt: int, base: float, maximum: float) -> None:
    assert backoff_cap(attempt, base, maximum) <= backoff_cap(attempt + 1, base, maximum)


@given(st.floats(allow_nan=False))
def test_any_jitter_is_clamped_to_zero_and_the_cap(picked: float) -> None:
    delay = backoff_delay(3, 1.0, 100.0, jitter=lambda cap: picked)
    assert 0.0 <= delay <= 4.0


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
    # The obsolete RFC 850 and asctime forms are HTTP-dates too (RFC 9110 §5.6.7).
    assert parse_retry_after("Sunday, 29-Nov-26 12:01:00 GMT", NOW) == 60.0
    assert parse_retry_after("Sun Nov 29 12:01:00 2026", NOW) == 60.0


def test_retry_after_in_the_past_means_now() -> None:
    assert parse_retry_after(format_datetime(NOW - timedelta(hours=1), usegmt=True), NOW) == 0.0


def test_retry_after_is_capped() -> None:
    assert parse_retry_after("3600", NOW, cap=60.0) == 60.0
    assert parse_retry_after("Sun, 29 Nov 2026 13:00:00 GMT", NOW, cap=60.0) == 60.0
    assert parse_retry_after("9" * 400, NOW) == RETRY_AFTER_CAP
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", NOW) == RETRY_AFTER_CAP


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5", "²", "Someday, 99 Foo 2026"])
def test_unusable_retry_after_is_ignored(value: str | None) -> None:
    assert parse_retry_after(value, NOW) is None


@given(st.integers(0, 10**30), st.floats(1.0, 10**9))
def test_any_delta_seconds_is_read_as_is_up_to_the_cap(seconds: int, cap: float) -> None:
    assert parse_retry_after(str(seconds), NOW, cap=cap) == min(cap, float(seconds))


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 1, 1), timezones=st.just(UTC)))
def test_any_http_date_is_read_to_the_second(when: datetime) -> None:
    when = when.replace(microsecond=0)
    expected = min(RETRY_AFTER_CAP, max(0.0, (when - NOW).total_seconds()))
    assert parse_retry_after(format_datetime(when, usegmt=True), NOW) == expected


@given(st.text(), st.floats(0.0, 10**9))
def test_any_header_gives_none_or_a_finite_wait_within_the_cap(value: str, cap: float) -> None:
    seconds = parse_retry_after(value, NOW, cap=cap)
    assert seconds is None or 0.0 <= seconds <= cap
