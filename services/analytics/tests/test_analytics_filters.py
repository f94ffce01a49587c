"""Dashboard filters (ADR 13) against exact figures of scripted events on the real Redis: each kind
restricts the panels to its subset over a range crossing a month boundary (a month roll-up of the
filter's copy) and a short one, the comparison and the time series follow it, bad filters are 422
envelopes, ``unavailable`` names what a filter does not restrict, and the cache keys on the filter.

The clock stands on 2026-03-09. Visitor A browses from London (GB, Chrome), B from Germany (DE,
Firefox); ids rotate daily, so each day's visit is its own visitor.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from ingest_support import CHROME, FIREFOX, IP_GERMANY, IP_LONDON, Harness, harness, write_city_mmdb

from portfolio_analytics import keys

NOW = "2026-03-09T12:00"
LONG = {"from": "2026-01-15", "to": "2026-03-05"}  # January's and March's edges, February whole
SHORT = {"from": "2026-03-01", "to": "2026-03-05"}
VISITORS = {"A": (IP_LONDON, CHROME), "B": (IP_GERMANY, FIREFOX)}
PAPER_1, PAPER_2 = "/papers/2401.00001", "/papers/2401.00002"


def located(tmp_path: Path, **overrides: Any) -> AbstractAsyncContextManager[Harness]:
    """A harness whose GeoIP database puts A in GB (London) and B in DE."""
    return harness(GEOIP_DB_PATH=str(write_city_mmdb(tmp_path / "city.mmdb")), **overrides)


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    async with located(tmp_path) as h:
        await seed(h)
        yield h


async def post(h: Harness, when: str, visitor: str, name: str, body: dict[str, Any]) -> None:
    h.clock.set(when)
    ip, ua = VISITORS[visitor]
    response = await h.post(name, body, ip=ip, ua=ua)
    assert response.json() == {"accepted": 1}, response.text


async def seed(h: Harness) -> None:
    # Before the range (in its previous period): A, direct, one page.
    await post(h, "2026-01-10T10:00", "A", "pageview", {"path": "/"})
    # V1, A: from news.example.org on the "winter" campaign, then a paper about llm, then a search
    # on that paper's page.
    await post(
        h,
        "2026-01-31T10:00",
        "A",
        "pageview",
        {
            "url": "https://site.example/?utm_source=nl&utm_medium=email&utm_campaign=winter",
            "referrer": "https://news.example.org/post",
        },
    )
    await post(
        h,
        "2026-01-31T10:05",
        "A",
        "pageview",
        {"path": PAPER_1, "props": {"paper_id": "2401.00001", "topics": ["llm"]}},
    )
    await post(h, "2026-01-31T10:06", "A", "search", {"query": "rag", "results_count": 3, "path": PAPER_1})
    # V2, B: direct to the same paper (llm and vision), a bounce.
    await post(
        h,
        "2026-02-01T09:00",
        "B",
        "pageview",
        {"path": PAPER_1, "props": {"paper_id": "2401.00001", "topics": ["llm", "vision"]}},
    )
    # V3, A: direct to /about, a bounce.
    await post(h, "2026-02-15T08:00", "A", "pageview", {"path": "/about"})
    # V4, B: from news.example.org to /, then a paper about vision.
    await post(
        h, "2026-03-02T08:00", "B", "pageview", {"path": "/", "referrer": "https://news.example.org/b"}
    )
    await post(
        h,
        "2026-03-02T08:01",
        "B",
        "pageview",
        {"path": PAPER_2, "props": {"paper_id": "2401.00002", "topics": ["vision"]}},
    )


async def get(h: Harness, route: str = "summary", **params: Any) -> httpx.Response:
    h.clock.set(NOW)
    return await h.client.get(f"/metrics/{route}", params=params)


async def ok(h: Harness, flt: str | None, route: str = "summary", **params: Any) -> dict[str, Any]:
    response = await get(h, route, **({"filter": flt} if flt else {}), **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def pages(*rows: tuple[str, int]) -> list[dict[str, Any]]:
    return [{"path": path, "views": n} for path, n in rows]


def visits(label: str, *rows: tuple[str, int]) -> list[dict[str, Any]]:
    return [{label: member, "visits": n} for member, n in rows]


def figures(body: dict[str, Any]) -> dict[str, Any]:
    """The panels the scripted events fill, as compared below."""
    return {
        "pageViews": body["pageViews"]["total"],
        "unique": body["pageViews"]["unique"],
        "byPage": body["pageViews"]["byPage"],
        "visits": body["visits"],
        "bounceRate": body["bounceRate"],
        "referrers": body["referrers"],
        "countries": body["geography"]["countries"],
        "entry": body["entryPages"],
        "exit": body["exitPages"],
        "campaigns": body["utm"]["campaigns"],
        "browsers": body["devices"]["browsers"],
        "papers": [(p["id"], p["views"]) for p in body["papers"]["mostViewed"]],
        "searches": body["searches"]["total"],
        "queries": body["searches"]["topQueries"],
    }


#: What each filter gives over LONG (V1 to V4).
EXPECTED_LONG: dict[str, dict[str, Any]] = {
    "country:DE": {  # V2 and V4: visit dimension, every event of the visit
        "pageViews": 3,
        "unique": 2,
        "byPage": pages(("/", 1), (PAPER_1, 1), (PAPER_2, 1)),
        "visits": 2,
        "bounceRate": 0.5,
        "referrers": visits("source", ("(direct)", 1), ("news.example.org", 1)),
        "countries": visits("country", ("DE", 2)),
        "entry": visits("path", ("/", 1), (PAPER_1, 1)),
        "exit": visits("path", (PAPER_1, 1), (PAPER_2, 1)),
        "campaigns": [],
        "browsers": visits("browser", ("Firefox", 2)),
        "papers": [("2401.00001", 1), ("2401.00002", 1)],
        "searches": 0,
        "queries": [],
    },
    "country:GB": {  # V1 and V3
        "pageViews": 3,
        "unique": 2,
        "byPage": pages(("/", 1), ("/about", 1), (PAPER_1, 1)),
        "visits": 2,
        "bounceRate": 0.5,
        "referrers": visits("source", ("(direct)", 1), ("news.example.org", 1)),
        "countries": visits("country", ("GB", 2)),
        "entry": visits("path", ("/", 1), ("/about", 1)),
        "exit": visits("path", ("/about", 1), (PAPER_1, 1)),
        "campaigns": visits("campaign", ("winter", 1)),
        "browsers": visits("browser", ("Chrome", 2)),
        "papers": [("2401.00001", 1)],
        "searches": 1,
        "queries": [{"query": "rag", "count": 1}],
    },
    "source:news.example.org": {  # V1 and V4
        "pageViews": 4,
        "unique": 2,
        "byPage": pages(("/", 2), (PAPER_1, 1), (PAPER_2, 1)),
        "visits": 2,
        "bounceRate": 0.0,
        "referrers": visits("source", ("news.example.org", 2)),
        "countries": visits("country", ("DE", 1), ("GB", 1)),
        "entry": visits("path", ("/", 2)),
        "exit": visits("path", (PAPER_1, 1), (PAPER_2, 1)),
        "campaigns": visits("campaign", ("winter", 1)),
        "browsers": visits("browser", ("Chrome", 1), ("Firefox", 1)),
        "papers": [("2401.00001", 1), ("2401.00002", 1)],
        "searches": 1,
        "queries": [{"query": "rag", "count": 1}],
    },
    "campaign:winter": {  # V1
        "pageViews": 2,
        "unique": 1,
        "byPage": pages(("/", 1), (PAPER_1, 1)),
        "visits": 1,
        "bounceRate": 0.0,
        "referrers": visits("source", ("news.example.org", 1)),
        "countries": visits("country", ("GB", 1)),
        "entry": visits("path", ("/", 1)),
        "exit": visits("path", (PAPER_1, 1)),
        "campaigns": visits("campaign", ("winter", 1)),
        "browsers": visits("browser", ("Chrome", 1)),
        "papers": [("2401.00001", 1)],
        "searches": 1,
        "queries": [{"query": "rag", "count": 1}],
    },
    f"page:{PAPER_1}": {  # event dimension: its views (V1's second, V2's) and the search on it
        "pageViews": 2,
        "unique": 2,
        "byPage": pages((PAPER_1, 2)),
        "visits": 2,  # V1 (counted at its second view: no bounce) and V2 (a bounce)
        "bounceRate": 0.5,
        "referrers": visits("source", ("(direct)", 1), ("news.example.org", 1)),
        "countries": visits("country", ("DE", 1), ("GB", 1)),
        "entry": visits("path", ("/", 1), (PAPER_1, 1)),
        "exit": visits("path", (PAPER_1, 2)),
        "campaigns": visits("campaign", ("winter", 1)),
        "browsers": visits("browser", ("Chrome", 1), ("Firefox", 1)),
        "papers": [("2401.00001", 2)],
        "searches": 1,
        "queries": [{"query": "rag", "count": 1}],
    },
}
# Topic "vision": V2's view and V4's second, so the visit panels are country:DE's (the same two
# visits, V4 counted from its second view: no bounce either way), with fewer page views.
EXPECTED_LONG["topic:vision"] = {
    **EXPECTED_LONG["country:DE"],
    "pageViews": 2,
    "byPage": pages((PAPER_1, 1), (PAPER_2, 1)),
}


@pytest.mark.parametrize("flt", list(EXPECTED_LONG))
async def test_a_filter_gives_exactly_its_subset_over_a_range_across_months(h: Harness, flt: str) -> None:
    kind, value = flt.split(":", 1)
    for attempt in range(2):  # the first read rolls February's copy up, the second reads it
        body = await ok(h, flt, **LONG)
        assert body["filter"] == {"kind": kind, "value": value}
        assert figures(body) == EXPECTED_LONG[flt], attempt
        # The previous period (2025-11-26 ..) reaches before the first copies (2026-01-10).
        expected_unavailable = {"realtime", "comparison"} | ({"searches"} if kind == "topic" else set())
        assert set(body["unavailable"]) == expected_unavailable
    scope = keys.filter_scope(h.prefix, kind, value)
    stored = await h.keys()
    assert f"{scope}:month:2026-02:visitors" in stored
    assert not [key for key in stored if key.startswith(f"{scope}:month:2026-01")]  # January is an edge
    series = {p["t"]: p["pageViews"] for p in body["timeseries"]["points"] if p["pageViews"]}
    assert sum(series.values()) == EXPECTED_LONG[flt]["pageViews"]


async def test_unfiltered_figures_are_the_whole_site_and_carry_no_filter(h: Harness) -> None:
    body = await ok(h, None, **LONG)
    assert body["filter"] is None and body["unavailable"] == []
    assert body["pageViews"]["total"] == 6 and body["visits"] == 4


async def test_a_short_range_and_its_time_series_and_comparison_follow_the_filter(h: Harness) -> None:
    body = await ok(h, "country:DE", **SHORT)
    assert figures(body) | {"papers": None} == {
        "pageViews": 2,
        "unique": 1,
        "byPage": pages(("/", 1), (PAPER_2, 1)),
        "visits": 1,
        "bounceRate": 0.0,
        "referrers": visits("source", ("news.example.org", 1)),
        "countries": visits("country", ("DE", 1)),
        "entry": visits("path", ("/", 1)),
        "exit": visits("path", (PAPER_2, 1)),
        "campaigns": [],
        "browsers": visits("browser", ("Firefox", 1)),
        "papers": None,
        "searches": 0,
        "queries": [],
    }
    assert body["unavailable"] == ["realtime"]
    assert [p for p in body["timeseries"]["points"] if p["pageViews"]] == [
        {"t": "2026-03-02", "pageViews": 2, "visitors": 1}
    ]
    assert body["comparison"]["pageViews"] == {"current": 2, "previous": 0, "change": None, "difference": 2}
    assert (await ok(h, "country:GB", **SHORT))["pageViews"]["total"] == 0

    # February against January's last days, under the campaign: only V1, in the previous period.
    feb = await ok(h, "campaign:winter", **{"from": "2026-02-01", "to": "2026-02-28"})
    assert feb["pageViews"]["total"] == 0
    assert feb["comparison"]["pageViews"] == {"current": 0, "previous": 2, "change": -1.0, "difference": -2}
    assert feb["comparison"]["visits"]["previous"] == 1
    assert feb["timeseries"]["previous"][-1] == {"t": "2026-01-31", "pageViews": 2, "visitors": 1}


async def test_popular_and_trending_take_the_filter(h: Harness) -> None:
    popular = await ok(h, "country:DE", "popular", **LONG)
    assert popular["pages"] == pages(("/", 1), (PAPER_1, 1), (PAPER_2, 1))
    assert [(p["id"], p["views"]) for p in popular["papers"]] == [("2401.00001", 1), ("2401.00002", 1)]
    assert popular["filter"] == {"kind": "country", "value": "DE"} and popular["unavailable"] == []
    trending = await ok(h, "topic:vision", "trending", **LONG)
    assert trending["unavailable"] == ["queries"]
    assert trending["topics"] == [{"topic": "vision", "count": 2, "baseline": 0, "ratio": 3.0}]
    whole = await ok(h, None, "trending", **LONG)
    assert {t["topic"] for t in whole["topics"]} == {"llm", "vision"}


async def test_a_range_before_the_first_copies_lists_every_panel(h: Harness) -> None:
    body = await ok(h, "country:GB", **{"from": "2026-01-05", "to": "2026-01-12"})
    assert "pageViews" in body["unavailable"] and "realtime" in body["unavailable"]
    assert set(body["unavailable"]) >= {"referrers", "geography", "timeseries", "comparison"}


@pytest.mark.parametrize(
    ("flt", "kind"),
    [
        ("city:London", "filter_kind"),
        ("country", "filter_kind"),
        ("", "filter_kind"),
        ("country:", "filter_value"),
        ("page:/" + "x" * 250, "filter_length"),
    ],
)
async def test_a_bad_filter_is_a_422_envelope(h: Harness, flt: str, kind: str) -> None:
    for route in ("summary", "popular", "trending"):
        response = await get(h, route, filter=flt, period="7d")
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert error["details"]["errors"][0] == {
            "loc": ["query", "filter"],
            "msg": error["message"],
            "type": kind,
        }


async def test_a_value_with_a_colon_keeps_it(h: Harness) -> None:
    await post(h, "2026-03-09T11:00", "A", "pageview", {"path": "/a:b"})
    body = await ok(h, "page:/a:b", period="today")
    assert body["filter"] == {"kind": "page", "value": "/a:b"}
    assert body["pageViews"]["byPage"] == pages(("/a:b", 1))


async def test_the_cache_keys_on_the_filter(tmp_path: Path) -> None:
    async with located(tmp_path, ANALYTICS_SUMMARY_CACHE_SECONDS=60) as h:
        await seed(h)
        de, gb = await ok(h, "country:DE", **LONG), await ok(h, "country:GB", **LONG)
        assert (de["geography"]["countries"], gb["geography"]["countries"]) == (
            visits("country", ("DE", 2)),
            visits("country", ("GB", 2)),
        )
        assert (await ok(h, None, **LONG))["pageViews"]["total"] == 6
        # Within the cache window each filter answers its own cached figures.
        assert (await ok(h, "country:DE", **LONG))["geography"] == de["geography"]


async def test_a_day_keeps_copies_for_a_bounded_number_of_values() -> None:
    async with harness(ANALYTICS_FILTER_VALUES_PER_DAY=2) as h:
        for n, path in enumerate(("/one", "/two", "/three")):
            await post(h, f"2026-03-09T10:0{n}", "A", "pageview", {"path": path})
        day = "2026-03-09"
        # A filtered read folds the queued copies first (ADR 14).
        assert (await ok(h, "page:/two", period="today"))["pageViews"]["total"] == 1
        assert (await ok(h, "page:/three", period="today"))["pageViews"]["total"] == 0
        assert await h.redis.scard(keys.filter_values(h.prefix, day, "page")) == 2
        assert await h.redis.hgetall(keys.filter_capped(h.prefix, day)) == {"page": "1"}
        # The site's own figures count every page.
        assert (await ok(h, None, period="today"))["pageViews"]["total"] == 3


async def test_the_background_fold_writes_the_copies_without_a_read() -> None:
    async with harness() as h:
        await post(h, "2026-03-09T10:00", "A", "pageview", {"path": "/one"})
        copy = keys.filter_scope(h.prefix, "page", "/one")
        queue, counters = keys.fold_queue(h.prefix), f"{copy}:day:2026-03-09"
        for _ in range(100):  # the fold runs every 0.5 s
            if await h.redis.llen(queue) == 0 and await h.redis.exists(counters):
                break
            await asyncio.sleep(0.05)
        assert await h.redis.hget(counters, "pageviews") == "1"
        assert await h.redis.llen(queue) == 0
