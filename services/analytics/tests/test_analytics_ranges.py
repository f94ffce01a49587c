"""Custom ranges (``from``/``to``), the longer presets, month roll-ups, the previous-period
comparison and the range errors, against exact figures of scripted events on the real Redis.

The clock stands on 2026-03-09 (a Monday); events are recorded on chosen past days by moving it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from ingest_support import CHROME, FIREFOX, IP_GERMANY, IP_LONDON, Harness, harness

NOW = "2026-03-09T12:00"


@pytest.fixture
async def h() -> AsyncIterator[Harness]:
    async with harness() as h:
        yield h


async def view(h: Harness, when: str, path: str, *, visitor: str = "A", **body: Any) -> None:
    h.clock.set(when)
    ip, ua = {"A": (IP_LONDON, CHROME), "B": (IP_GERMANY, FIREFOX)}[visitor]
    response = await h.post("pageview", {"path": path, **body}, ip=ip, ua=ua)
    assert response.json() == {"accepted": 1}, response.text


async def get(h: Harness, route: str = "summary", **params: Any) -> httpx.Response:
    h.clock.set(NOW)
    return await h.client.get(f"/metrics/{route}", params=params)


async def ok(h: Harness, route: str = "summary", **params: Any) -> dict[str, Any]:
    response = await get(h, route, **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def seed_months(h: Harness) -> None:
    """Page views on both sides of the January/February boundary and inside whole months."""
    await view(h, "2025-12-31T10:00", "/dec")  # outside the range below
    await view(h, "2026-01-01T09:00", "/", referrer="https://news.example.org/a")
    await view(h, "2026-01-15T09:00", "/papers", visitor="B", props={"paper_id": "2401.00001"})
    await view(h, "2026-01-31T23:50", "/")
    await view(h, "2026-02-01T00:10", "/papers", visitor="B")
    await view(h, "2026-02-28T12:00", "/", props={"paper_id": "2401.00001"})
    await view(h, "2026-03-02T08:00", "/about", visitor="B")
    await view(h, "2026-03-10T08:00", "/tomorrow")  # after the clock's today: never in a range


async def test_a_range_across_months_sums_exactly_its_days_and_rolls_up_closed_months(h: Harness) -> None:
    await seed_months(h)
    expected_pages = [
        {"path": "/", "views": 3},
        {"path": "/papers", "views": 2},
        {"path": "/about", "views": 1},
    ]

    for attempt in range(2):  # the first read writes the month roll-ups, the second reads them
        body = await ok(h, **{"from": "2026-01-01", "to": "2026-03-05"})
        assert (body["period"], body["from"], body["to"]) == ("custom", "2026-01-01", "2026-03-05")
        assert body["pageViews"]["total"] == 6, attempt
        assert body["pageViews"]["byPage"] == expected_pages
        assert body["pageViews"]["unique"] == 6  # ids rotate daily: one per visitor and day
        assert body["visits"] == 6
        assert body["referrers"] == [
            {"source": "(direct)", "visits": 5},
            {"source": "news.example.org", "visits": 1},
        ]
        assert body["papers"]["mostViewed"] == [{"id": "2401.00001", "views": 2, "title": None}]
        points = body["timeseries"]["points"]
        assert body["timeseries"]["interval"] == "day" and len(points) == 31 + 28 + 5
        assert {p["t"]: p["pageViews"] for p in points if p["pageViews"]} == {
            "2026-01-01": 1,
            "2026-01-15": 1,
            "2026-01-31": 1,
            "2026-02-01": 1,
            "2026-02-28": 1,
            "2026-03-02": 1,
        }
        assert all(p["visitors"] == p["pageViews"] for p in points)

    stored = await h.keys()
    assert f"{h.prefix}:month:2026-01:pages" in stored and f"{h.prefix}:month:2026-02:visitors" in stored
    # March is not over; December is whole in the previous period (2025-10-28 .. 2025-12-31).
    assert not [key for key in stored if ":month:2026-03" in key]
    assert f"{h.prefix}:month:2025-12:visitors" in stored
    assert body["comparison"]["pageViews"] == {"current": 6, "previous": 1, "change": 5.0, "difference": 5}
    # A roll-up lives as long as its first day's keys: 400 days from 2026-01-01 less the time since.
    ttl = await h.redis.ttl(f"{h.prefix}:month:2026-01:visitors")
    assert abs(ttl - (400 * 86_400 - 67 * 86_400 - 12 * 3600)) < 120
    # queries and props sets keep their own retention: no query was recorded, so no key.
    assert f"{h.prefix}:month:2026-01:queries" not in stored

    # Edge days only (no whole month): the same days, summed from daily keys.
    edge = await ok(h, **{"from": "2026-01-31", "to": "2026-02-01"})
    assert edge["pageViews"]["total"] == 2 and edge["pageViews"]["byPage"] == [
        {"path": "/", "views": 1},
        {"path": "/papers", "views": 1},
    ]
    one_day = await ok(h, **{"from": "2026-02-28", "to": "2026-02-28"})
    assert one_day["pageViews"]["total"] == 1 and one_day["timeseries"]["points"] == [
        {"t": "2026-02-28", "pageViews": 1, "visitors": 1}
    ]

    popular = await ok(h, "popular", **{"from": "2026-01-01", "to": "2026-02-28"})
    assert popular["pages"] == expected_pages[:2]
    assert popular["papers"] == [{"id": "2401.00001", "views": 2, "shares": 0, "title": None}]


async def test_each_figure_is_compared_with_the_previous_period(h: Harness) -> None:
    # Range 2026-02-21 .. 2026-02-27 (7 days); previous 2026-02-14 .. 2026-02-20.
    await view(h, "2026-02-14T10:00", "/")  # previous: A one visit, a bounce
    await view(h, "2026-02-20T10:00", "/", visitor="B")
    await view(h, "2026-02-20T10:10", "/papers", visitor="B")  # B: 600 s, two pages
    await view(h, "2026-02-21T09:00", "/")  # current: A bounces, B 3 pages over 1,200 s
    await view(h, "2026-02-27T09:00", "/", visitor="B")
    await view(h, "2026-02-27T09:10", "/a", visitor="B")
    await view(h, "2026-02-27T09:20", "/b", visitor="B")
    h.clock.set("2026-02-27T09:25")
    search = await h.post("search", {"query": "rag", "search_id": "s1"}, ip=IP_GERMANY, ua=FIREFOX)
    assert search.json() == {"accepted": 1}

    body = await ok(h, **{"from": "2026-02-21", "to": "2026-02-27"})
    comparison = body["comparison"]
    assert (comparison["from"], comparison["to"]) == ("2026-02-14", "2026-02-20")
    assert comparison["pageViews"] == {"current": 4, "previous": 3, "change": 0.3333, "difference": 1}
    assert all(type(value) is int for key, value in comparison["pageViews"].items() if key != "change")
    assert comparison["uniqueVisitors"] == {"current": 2, "previous": 2, "change": 0.0, "difference": 0}
    assert comparison["visits"] == {"current": 2, "previous": 2, "change": 0.0, "difference": 0}
    assert comparison["bounceRate"] == {"current": 0.5, "previous": 0.5, "change": 0.0, "difference": 0.0}
    # Duration: (0 + 1,500 s) / 2 now (the search extends B's visit) against (0 + 600) / 2.
    assert comparison["visitDuration"] == {
        "current": 750.0,
        "previous": 300.0,
        "change": 1.5,
        "difference": 450.0,
    }
    # Nothing to compare with: no relative change.
    assert comparison["searches"] == {"current": 1, "previous": 0, "change": None, "difference": 1}
    assert body["timeseries"]["previous"] == [
        {
            "t": f"2026-02-{day}",
            "pageViews": {14: 1, 20: 2}.get(day, 0),
            "visitors": {14: 1, 20: 1}.get(day, 0),
        }
        for day in range(14, 21)
    ]
    assert [p["pageViews"] for p in body["timeseries"]["points"]] == [1, 0, 0, 0, 0, 0, 3]


async def test_presets_compare_too_and_today_against_yesterday_per_hour(h: Harness) -> None:
    await view(h, "2026-03-08T10:00", "/")
    await view(h, "2026-03-08T10:05", "/x")
    await view(h, "2026-03-09T11:00", "/")
    today = await ok(h, period="today")
    assert today["comparison"]["pageViews"] == {"current": 1, "previous": 2, "change": -0.5, "difference": -1}
    previous = today["timeseries"]["previous"]
    assert len(previous) == 24 and previous[10] == {
        "t": "2026-03-08T10:00:00Z",
        "pageViews": 2,
        "visitors": 1,
    }
    assert sum(p["pageViews"] for p in previous) == 2

    week = await ok(h, period="7d")
    assert (week["comparison"]["from"], week["comparison"]["to"]) == ("2026-02-24", "2026-03-02")
    assert week["comparison"]["pageViews"] == {"current": 3, "previous": 0, "change": None, "difference": 3}
    quarter = await ok(h, period="90d")
    assert (quarter["period"], quarter["from"], quarter["to"]) == ("90d", "2025-12-10", "2026-03-09")
    assert quarter["pageViews"]["total"] == 3 and len(quarter["timeseries"]["points"]) == 90
    assert quarter["comparison"]["from"] == "2025-09-11"


async def test_no_comparison_where_the_previous_period_is_no_longer_retained(h: Harness) -> None:
    await view(h, "2026-03-09T11:00", "/")
    year = await ok(h, period="365d")
    assert (year["from"], year["to"]) == ("2025-03-10", "2026-03-09")
    assert year["pageViews"]["total"] == 1 and len(year["timeseries"]["points"]) == 365
    assert year["comparison"] is None and year["timeseries"]["previous"] is None
    # The oldest retained day (400 days ending today) may start a range; its previous period is gone.
    oldest = await ok(h, **{"from": "2025-02-03"})
    assert oldest["to"] == "2026-03-09" and oldest["comparison"] is None
    # A range whose previous period still starts on a retained day is compared.
    assert (await ok(h, **{"from": "2025-08-22"}))["comparison"]["from"] == "2025-02-03"
    trending = await ok(h, "trending", **{"from": "2026-01-01", "to": "2026-03-09"})
    assert (trending["from"], trending["to"]) == ("2026-01-01", "2026-03-09")


@pytest.mark.parametrize(
    ("params", "field", "kind"),
    [
        ({"from": "2026-03-05", "to": "2026-03-01"}, "from", "range_order"),
        ({"from": "2025-02-02", "to": "2025-03-01"}, "from", "retention"),
        ({"from": "2026-03-01", "to": "2026-03-10"}, "to", "future"),
        ({"from": "2026-3-1"}, "from", "date"),
        ({"from": "2026-02-30"}, "from", "date"),
        ({"from": "2026-03-01", "to": "yesterday"}, "to", "date"),
        ({"to": "2026-03-01"}, "from", "missing"),
        ({"period": "7d", "from": "2026-03-01"}, "period", "conflict"),
    ],
)
async def test_a_bad_range_is_a_422_envelope_saying_why(
    h: Harness, params: dict[str, str], field: str, kind: str
) -> None:
    for route in ("summary", "popular", "trending"):
        response = await get(h, route, **params)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert error["details"]["errors"][0]["loc"] == ["query", field]
        assert error["details"]["errors"][0]["type"] == kind
        assert field in error["message"] or kind in ("range_order", "retention", "future")


async def test_a_preset_beyond_a_shorter_retention_is_a_422() -> None:
    async with harness(ANALYTICS_AGGREGATE_RETENTION_DAYS=60) as h:
        response = await get(h, period="90d")
        assert response.status_code == 422
        assert response.json()["error"]["details"]["errors"][0]["type"] == "retention"
        assert (await get(h, period="30d")).status_code == 200


async def test_the_short_cache_tells_ranges_apart() -> None:
    async with harness(ANALYTICS_SUMMARY_CACHE_SECONDS=60) as h:
        await view(h, "2026-03-01T10:00", "/")
        await view(h, "2026-03-02T10:00", "/")
        first = await ok(h, **{"from": "2026-03-01", "to": "2026-03-01"})
        both = await ok(h, **{"from": "2026-03-01", "to": "2026-03-02"})
        assert (first["pageViews"]["total"], both["pageViews"]["total"]) == (1, 2)


async def test_every_metrics_route_declares_its_shared_response_model(h: Harness) -> None:
    schema = (await h.client.get("/openapi.json")).json()
    components = schema["components"]["schemas"]
    for route, model, fields in (
        ("summary", "AnalyticsSummary", {"pageViews", "comparison", "timeseries", "from", "to", "sample"}),
        ("popular", "AnalyticsPopular", {"papers", "pages", "from", "to"}),
        ("trending", "AnalyticsTrending", {"topics", "queries", "from", "to"}),
    ):
        operation = schema["paths"][f"/metrics/{route}"]["get"]
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        name = ref.rsplit("/", 1)[1]
        assert name.startswith(model)
        assert fields <= set(components[name]["properties"]) <= set(components[name]["required"])
        assert {p["name"] for p in operation["parameters"]} >= {"period", "from", "to", "limit"}
