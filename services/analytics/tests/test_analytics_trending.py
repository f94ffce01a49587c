"""``/metrics/trending`` ratios against their baseline window, and the short summary cache."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from ingest_support import IP_GERMANY, Harness, harness


@pytest.fixture
async def h() -> AsyncIterator[Harness]:
    async with harness() as h:
        yield h


async def view(h: Harness, when: str, *topics: str, n: int = 1) -> None:
    h.clock.set(when)
    body = {"events": [{"type": "pageview", "path": "/papers/x", "props": {"topics": list(topics)}}] * n}
    response = await h.post("batch", body)
    assert response.status_code == 202 and "x-analytics-dropped" not in response.headers


async def search(h: Harness, when: str, query: str, n: int = 1) -> None:
    h.clock.set(when)
    response = await h.post("batch", {"events": [{"type": "search", "query": query}] * n}, ip=IP_GERMANY)
    assert response.status_code == 202 and "x-analytics-dropped" not in response.headers


async def test_trending_today_compares_the_last_24_hours_with_the_24_before(h: Harness) -> None:
    # Baseline window: 2026-03-08 12:00 .. 2026-03-09 11:59; recent: 2026-03-09 12:00 .. 2026-03-10 11:59.
    await view(h, "2026-03-08T13:00", "RAG")
    await view(h, "2026-03-08T20:00", "llm", n=7)
    await view(h, "2026-03-07T10:00", "rag", n=50)  # older than both windows
    await view(h, "2026-03-09T13:00", "rag", n=3)
    await view(h, "2026-03-10T09:00", "RAG", "llm", n=2)
    await view(h, "2026-03-10T10:00", "llm", n=2)
    await view(h, "2026-03-10T11:00", "new topic", n=2)
    await view(h, "2026-03-10T11:30", "once")
    await search(h, "2026-03-09T03:00", "vision transformers", n=4)
    await search(h, "2026-03-10T11:00", "vision transformers", n=2)
    await search(h, "2026-03-10T11:05", "Mixture of Experts", n=3)
    h.clock.set("2026-03-10T11:59")

    body = (await h.client.get("/metrics/trending", params={"period": "today"})).json()
    assert [(t["topic"], t["count"], t["baseline"], t["ratio"]) for t in body["topics"]] == [
        ("rag", 5, 1, 3.0),  # same ratio as "new topic": the larger count first
        ("new topic", 2, 0, 3.0),
        ("llm", 4, 7, 0.62),
    ]
    assert body["queries"] == [
        {"query": "mixture of experts", "count": 3, "baseline": 0, "ratio": 4.0},
        {"query": "vision transformers", "count": 2, "baseline": 4, "ratio": 0.6},
    ]


async def test_trending_over_days(h: Harness) -> None:
    await view(h, "2026-03-01T10:00", "agents", n=2)  # in the 7 days before the last 7
    await view(h, "2026-03-06T10:00", "agents", n=9)
    await view(h, "2026-03-10T10:00", "agents", n=2)
    h.clock.set("2026-03-10T12:00")
    body = (await h.client.get("/metrics/trending", params={"period": "7d"})).json()
    assert body["topics"] == [{"topic": "agents", "count": 11, "baseline": 2, "ratio": 4.0}]
    assert body["queries"] == []


async def test_bad_period_is_a_422(h: Harness) -> None:
    for path in ("/metrics/summary", "/metrics/popular", "/metrics/trending"):
        response = await h.client.get(path, params={"period": "year"})
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "validation_error"


async def test_summary_is_cached_a_few_seconds() -> None:
    async with harness(ANALYTICS_SUMMARY_CACHE_SECONDS=60) as h:
        h.clock.set("2026-03-10T10:00")
        await h.post("pageview", {"path": "/"})
        first = await h.summary("today")
        await h.post("pageview", {"path": "/"})
        assert (await h.summary("today"))["pageViews"]["total"] == first["pageViews"]["total"] == 1
        assert (await h.summary("7d"))["pageViews"]["total"] == 2  # another key, computed afresh
    async with harness(ANALYTICS_SUMMARY_CACHE_SECONDS=0) as h:
        h.clock.set("2026-03-10T10:00")
        await h.post("pageview", {"path": "/"})
        await h.summary("today")
        await h.post("pageview", {"path": "/"})
        assert (await h.summary("today"))["pageViews"]["total"] == 2
