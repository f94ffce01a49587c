"""The process-wide arXiv pacing: one request at a time, ≥ 3 s apart, on virtual and on real time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
from fake_upstreams import FakeUpstreams, RecordingProgress, VirtualClock
from upstream_formats import sample_entries

from portfolio_scraper.sources.arxiv import fetch_arxiv
from portfolio_scraper.sources.limiter import ArxivRateLimiter, shared_limiter

START = datetime(2026, 11, 26, tzinfo=UTC)
END = datetime(2026, 11, 28, 23, 59, tzinfo=UTC)
ENTRIES = sample_entries(5, newest=datetime(2026, 11, 28, 20, 0, tzinfo=UTC))


async def drain(client: httpx.AsyncClient, url: str, limiter: ArxivRateLimiter) -> int:
    count = 0
    async for page in fetch_arxiv(
        client,
        base_url=url,
        categories=["cs.LG", "cs.CL", "cs.AI"],
        start=START,
        end=END,
        progress=RecordingProgress(),
        page_size=2,
        limiter=limiter,
    ):
        count += len(page)
    return count


async def test_slots_are_spaced_from_the_end_of_the_previous_request() -> None:
    clock = VirtualClock()
    limiter = ArxivRateLimiter(3.0, clock=clock, sleep=clock.sleep)
    starts, ends = [], []
    for duration in (0.5, 5.0, 0.0):
        async with limiter.slot():
            starts.append(clock())
            await clock.sleep(duration)  # the request itself
            ends.append(clock())
    assert starts[0] == 1000.0  # the first request does not wait
    assert [later - earlier for earlier, later in zip(ends, starts[1:], strict=False)] == [3.0, 3.0]


async def test_concurrent_holders_never_overlap() -> None:
    clock = VirtualClock()
    limiter = ArxivRateLimiter(3.0, clock=clock, sleep=clock.sleep)
    active = peak = 0

    async def request() -> None:
        nonlocal active, peak
        async with limiter.slot():
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.01)
            active -= 1

    await asyncio.gather(*(request() for _ in range(4)))
    assert peak == 1


async def test_two_scrapes_sharing_the_limiter_pace_together_on_the_server_clock() -> None:
    clock = VirtualClock()
    limiter = ArxivRateLimiter(clock=clock, sleep=clock.sleep)
    with FakeUpstreams(clock=clock) as upstream:
        upstream.arxiv.entries = ENTRIES
        upstream.arxiv.delay = 0.05  # long enough that unpaced requests would overlap
        async with httpx.AsyncClient(timeout=5) as client:
            counts = await asyncio.gather(
                drain(client, upstream.arxiv_url, limiter), drain(client, upstream.arxiv_url, limiter)
            )
        assert counts == [5, 5]
        assert len(upstream.requests_to("arxiv")) == 6
        assert upstream.max_in_flight("arxiv") == 1
        assert all(gap >= 3.0 for gap in upstream.gaps("arxiv"))


def test_the_limiter_survives_a_new_event_loop() -> None:
    clock = VirtualClock()
    limiter = ArxivRateLimiter(clock=clock, sleep=clock.sleep)

    async def one() -> float:
        async with limiter.slot():
            return clock()

    first = asyncio.run(one())
    second = asyncio.run(one())  # a second loop (a CLI run after the API, a test after a test)
    assert second - first == 3.0


def test_the_process_has_one_shared_limiter() -> None:
    assert shared_limiter() is shared_limiter()
    assert shared_limiter().min_interval == 3.0


async def test_requests_are_three_seconds_apart_on_the_real_clock() -> None:
    # Real time on both sides: three pages cost two real 3 s gaps (about 6 s).
    limiter = ArxivRateLimiter()
    with FakeUpstreams() as upstream:
        upstream.arxiv.entries = ENTRIES
        async with httpx.AsyncClient(timeout=10) as client:
            assert await drain(client, upstream.arxiv_url, limiter) == 5
        gaps = upstream.gaps("arxiv")
    assert len(gaps) == 2
    assert min(gaps) >= 3.0
