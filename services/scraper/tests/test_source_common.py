"""The sources' shared pieces: ids, text, URLs, timestamps, Retry-After, the retrying GET."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from portfolio_scraper.sources.http import UpstreamError, get_with_retries
from portfolio_scraper.sources.normalise import (
    clean_text,
    count,
    github_repo,
    http_url,
    parse_timestamp,
    split_arxiv_id,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://arxiv.org/abs/2401.12345v2"[len("http://arxiv.org/abs/") :], ("2401.12345", 2)),
        ("2401.12345", ("2401.12345", None)),
        ("arXiv:2401.12345v11", ("2401.12345", 11)),
        ("hep-th/9901001v1", ("hep-th/9901001", 1)),
        ("math.GT/0309136", ("math.GT/0309136", None)),
        ("0704.0001v3", ("0704.0001", 3)),
        ("1234.12345", None),  # five digits before 2015
        ("2401.1234", None),  # four digits after 2015
        ("not an id", None),
        ("", None),
        (None, None),
    ],
)
def test_split_arxiv_id(raw: object, expected: tuple[str, int | None] | None) -> None:
    assert split_arxiv_id(raw) == expected


def test_clean_text_collapses_whitespace_and_line_breaks() -> None:
    assert clean_text("  Deep\n  Learning\t for\r\nAll  ") == "Deep Learning for All"
    assert clean_text(" \n ") is None
    assert clean_text(42) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://github.com/owner/repo", "owner/repo"),
        ("https://github.com/owner/repo.git", "owner/repo"),
        ("https://www.github.com/owner/repo/", "owner/repo"),
        ("owner/repo", "owner/repo"),
        ("https://github.com/owner/repo/tree/main", None),
        ("https://gitlab.com/owner/repo", None),
        ("https://github.com/owner", None),
        ("", None),
    ],
)
def test_github_repo(value: str, expected: str | None) -> None:
    assert github_repo(value) == expected


def test_http_url_count_and_timestamps() -> None:
    assert http_url(" https://example.org/p ") == "https://example.org/p"
    assert http_url("ftp://example.org") is None and http_url("example.org") is None
    assert count(3) == 3 and count(-1) is None and count(True) is None and count("3") is None
    assert parse_timestamp("2026-11-27T17:59:01.000Z") == datetime(2026, 11, 27, 17, 59, 1, tzinfo=UTC)
    assert parse_timestamp("2007-02-27T16:02:02-05:00") == datetime(2007, 2, 27, 21, 2, 2, tzinfo=UTC)
    assert parse_timestamp("2026-11-27") == datetime(2026, 11, 27, tzinfo=UTC)
    assert parse_timestamp("yesterday") is None and parse_timestamp(None) is None


async def test_get_with_retries_returns_non_retryable_answers_and_waits_as_asked() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "9"}), httpx.Response(404)])
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    transport = httpx.MockTransport(lambda request: next(answers))
    async with httpx.AsyncClient(transport=transport) as client:
        response = await get_with_retries(
            client, "http://upstream/x", attempts=3, sleep=sleep, base_delay=1.0
        )
    assert response.status_code == 404
    assert waits == [9.0]


async def test_get_with_retries_backs_off_exponentially_and_gives_up() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    transport = httpx.MockTransport(lambda request: httpx.Response(502))
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(UpstreamError, match="HTTP 502 after 4 attempts"):
            await get_with_retries(
                client, "http://upstream/x", attempts=4, sleep=sleep, base_delay=1.0, jitter=lambda cap: cap
            )
    # The ceilings 1, 2, 4 seconds (full jitter picks below them; this jitter picks the ceiling).
    assert waits == [1.0, 2.0, 4.0]
