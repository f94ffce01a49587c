"""Every metric against exact expected values from one scripted sequence on the real Redis.

Two visitors over a UTC midnight (2026-03-09 → 2026-03-10), with the clock moved by hand: A's
first visit crosses midnight and stays one visit (yesterday's salt), a 40-minute gap starts a new
visit, B comes back the next day; a search followed by a click, a search without one, a repeated
and an unknown click-through; engagement events; a Global Privacy Control visitor and a bot, both
dropped. Countries come from a generated GeoIP database.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from ingest_support import CHROME, FIREFOX, IP_GERMANY, IP_LONDON, SAFARI, Harness, harness, write_city_mmdb

D1, D2 = "2026-03-09", "2026-03-10"
PAPER_1, PAPER_2 = "2401.00001", "2402.00002"


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    async with harness(GEOIP_DB_PATH=str(write_city_mmdb(tmp_path / "city.mmdb"))) as h:
        yield h


async def at(h: Harness, when: str, name: str, body: dict[str, Any], *, visitor: str) -> None:
    h.clock.set(when)
    ip, ua = {"A": (IP_LONDON, CHROME), "B": (IP_GERMANY, FIREFOX)}[visitor]
    response = await h.post(name, body, ip=ip, ua=ua)
    assert response.status_code == 202, response.text
    assert "x-analytics-dropped" not in response.headers
    assert response.json() == {"accepted": 1}


async def script_day_one(h: Harness) -> None:
    await at(
        h,
        f"{D1}T23:20",
        "pageview",
        {"url": "https://site.example/?utm=x", "referrer": "https://news.ycombinator.com/item?id=1"},
        visitor="A",
    )
    paper_props = {"paper_id": PAPER_1, "topics": ["LLM", "Agents"]}
    await at(h, f"{D1}T23:25", "pageview", {"path": f"/papers/{PAPER_1}", "props": paper_props}, visitor="A")
    await at(
        h,
        f"{D1}T23:26",
        "search",
        {"query": "Diffusion  Models", "results_count": 12, "search_id": "s-1"},
        visitor="A",
    )
    await at(h, f"{D1}T23:27", "click", {"target": PAPER_2, "kind": "paper", "search_id": "s-1"}, visitor="A")
    await at(h, f"{D1}T23:28", "pageview", {"path": "/"}, visitor="B")
    # Dropped: a Global Privacy Control visitor and a crawler. Still 202, nothing recorded.
    h.clock.set(f"{D1}T23:28")
    gpc = await h.post("pageview", {"path": "/"}, ip="81.2.69.99", ua=SAFARI, **{"Sec-GPC": "1"})
    assert (gpc.status_code, gpc.headers["x-analytics-dropped"]) == (202, "opted_out")
    bot = await h.post(
        "pageview",
        {"path": "/"},
        ua="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    )
    assert (bot.status_code, bot.headers["x-analytics-dropped"]) == (202, "bot")
    await at(
        h, f"{D1}T23:50", "engagement", {"path": f"/papers/{PAPER_1}", "engaged_ms": 90_000}, visitor="A"
    )


async def script_day_two(h: Harness) -> None:
    # 25 minutes after A's last event, past midnight: still A's first visit, under yesterday's id.
    await at(h, f"{D2}T00:15", "pageview", {"path": "/about"}, visitor="A")
    await at(h, f"{D2}T00:20", "search", {"query": "Transformers", "search_id": "s-2"}, visitor="A")
    # 40 minutes later: a new visit, under today's id.
    await at(h, f"{D2}T01:00", "pageview", {"path": "/"}, visitor="A")
    await at(h, f"{D2}T01:05", "click", {"target": PAPER_1, "kind": "share"}, visitor="A")
    await at(
        h,
        f"{D2}T01:05",
        "pageview",
        {"path": f"/papers/{PAPER_1}", "props": {"paper_id": PAPER_1, "topics": ["llm"]}},
        visitor="B",
    )
    await at(h, f"{D2}T01:10", "pageview", {"path": f"/papers/{PAPER_2}"}, visitor="A")
    await at(
        h, f"{D2}T01:12", "engagement", {"path": f"/papers/{PAPER_1}", "engaged_ms": 30_000}, visitor="B"
    )
    await at(h, f"{D2}T01:40", "search", {"query": "diffusion models", "search_id": "s-3"}, visitor="B")
    await at(h, f"{D2}T01:41", "click", {"target": PAPER_1, "kind": "paper", "search_id": "s-3"}, visitor="B")
    # A second click on the same search and a click on an unknown search change no click-through.
    await at(h, f"{D2}T01:42", "click", {"target": PAPER_1, "kind": "paper", "search_id": "s-3"}, visitor="B")
    await at(
        h,
        f"{D2}T01:43",
        "click",
        {"target": "https://github.com/x/y", "kind": "outbound", "search_id": "nope"},
        visitor="B",
    )


def hourly(summary: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {
        p["t"][11:13]: (p["pageViews"], p["visitors"])
        for p in summary["timeseries"]["points"]
        if p["pageViews"]
    }


async def test_every_metric_of_a_scripted_sequence(h: Harness) -> None:
    await script_day_one(h)

    h.clock.set(f"{D1}T23:55")
    before_midnight = await h.summary("today")
    assert before_midnight["visits"] == 2
    assert before_midnight["visitDuration"] == 900.0  # A: 23:20 → 23:50; B: a single page view
    assert before_midnight["realtime"] == {
        "activeUsers": 1,
        "currentPages": [{"path": f"/papers/{PAPER_1}", "visitors": 1}],
    }

    await script_day_two(h)
    h.clock.set(f"{D2}T01:45")

    today = await h.summary("today")
    assert today["period"] == "today" and today["from"] == today["to"] == D2
    assert today["pageViews"] == {
        "total": 4,
        # A under yesterday's id (the visit crossing midnight), A under today's, B under today's.
        "unique": 3,
        "byPage": [
            {"path": "/", "views": 1},
            {"path": "/about", "views": 1},
            {"path": f"/papers/{PAPER_1}", "views": 1},
            {"path": f"/papers/{PAPER_2}", "views": 1},
        ],
    }
    assert today["visits"] == 2
    assert today["bounceRate"] == 0.5  # B's second visit has one page view
    assert today["visitDuration"] == 1440.0  # A 01:00 → 01:10 (600 s), B 01:05 → 01:43 (2,280 s)
    assert today["referrers"] == [{"source": "(direct)", "visits": 2}]
    assert today["papers"] == {
        "mostViewed": [{"id": PAPER_1, "title": None, "views": 3}],
        "mostShared": [{"id": PAPER_1, "title": None, "shares": 1}],
        "averageTimeOnPage": 30.0,
    }
    assert today["searches"] == {
        "total": 2,
        "topQueries": [{"query": "diffusion models", "count": 1}, {"query": "transformers", "count": 1}],
        "clickThroughRate": 0.5,
    }
    assert today["geography"] == {
        "countries": [{"country": "DE", "visits": 1}, {"country": "GB", "visits": 1}],
        "cities": [{"country": "GB", "city": "London", "visits": 1}],
        "attribution": None,  # the generated database is a (commercial) GeoIP2-City: no credit asked
    }
    assert today["realtime"] == {
        "activeUsers": 1,
        "currentPages": [{"path": f"/papers/{PAPER_1}", "visitors": 1}],
    }
    assert today["timeseries"]["interval"] == "hour"
    assert len(today["timeseries"]["points"]) == 24
    assert hourly(today) == {"00": (1, 1), "01": (3, 2)}

    week = await h.summary("7d")
    assert (week["from"], week["to"]) == ("2026-03-04", D2)
    assert week["pageViews"]["total"] == 7
    assert week["pageViews"]["unique"] == 4  # A's first id is in both days' HyperLogLogs
    assert week["pageViews"]["byPage"] == [
        {"path": "/", "views": 3},
        {"path": f"/papers/{PAPER_1}", "views": 2},
        {"path": "/about", "views": 1},
        {"path": f"/papers/{PAPER_2}", "views": 1},
    ]
    assert week["visits"] == 4
    assert week["bounceRate"] == 0.5
    # A's first visit 23:20 → 00:20 (3,600 s, on D1), B's first 0 s, A's second 600 s, B's second
    # 2,280 s: (3600 + 0 + 600 + 2280) / 4 = 1620.
    assert week["visitDuration"] == 1620.0
    assert week["referrers"] == [
        {"source": "(direct)", "visits": 3},
        {"source": "news.ycombinator.com", "visits": 1},
    ]
    assert week["papers"] == {
        "mostViewed": [
            {"id": PAPER_1, "title": None, "views": 4},
            {"id": PAPER_2, "title": None, "views": 1},
        ],
        "mostShared": [{"id": PAPER_1, "title": None, "shares": 1}],
        "averageTimeOnPage": 60.0,
    }
    assert week["searches"] == {
        "total": 3,
        "topQueries": [{"query": "diffusion models", "count": 2}, {"query": "transformers", "count": 1}],
        "clickThroughRate": round(2 / 3, 4),
    }
    assert week["geography"]["countries"] == [{"country": "DE", "visits": 2}, {"country": "GB", "visits": 2}]
    assert week["timeseries"]["interval"] == "day"
    assert [p["t"] for p in week["timeseries"]["points"]] == [f"2026-03-{d:02d}" for d in range(4, 11)]
    assert [(p["pageViews"], p["visitors"]) for p in week["timeseries"]["points"]][-2:] == [(3, 2), (4, 3)]

    # Day one seen from day two: A's visit kept growing after midnight and still belongs to D1.
    h.clock.set(f"{D1}T23:59")
    day_one = await h.summary("today")
    assert day_one["pageViews"]["total"] == 3 and day_one["pageViews"]["unique"] == 2
    assert day_one["visits"] == 2 and day_one["bounceRate"] == 0.5
    assert day_one["visitDuration"] == 1800.0  # (3,600 + 0) / 2
    assert day_one["searches"]["clickThroughRate"] == 1.0
    assert day_one["papers"]["mostViewed"] == [
        {"id": PAPER_1, "title": None, "views": 1},
        {"id": PAPER_2, "title": None, "views": 1},
    ]
    assert day_one["referrers"] == [
        {"source": "(direct)", "visits": 1},
        {"source": "news.ycombinator.com", "visits": 1},
    ]

    h.clock.set(f"{D2}T01:45")
    popular = (await h.client.get("/metrics/popular", params={"period": "7d"})).json()
    assert popular["papers"] == [
        {"id": PAPER_1, "title": None, "views": 4, "shares": 1},
        {"id": PAPER_2, "title": None, "views": 1, "shares": 0},
    ]
    assert popular["pages"][0] == {"path": "/", "views": 3}

    await assert_raw_streams(h)


async def assert_raw_streams(h: Harness) -> None:
    day_one = [json.loads(fields["e"]) for _, fields in await h.redis.xrange(f"{h.prefix}:raw:{D1}")]
    day_two = [json.loads(fields["e"]) for _, fields in await h.redis.xrange(f"{h.prefix}:raw:{D2}")]
    assert [e["type"] for e in day_one] == [
        "pageview",
        "pageview",
        "search",
        "click",
        "pageview",
        "engagement",
    ]
    assert len(day_two) == 11
    first = day_one[0]
    assert first == {
        "type": "pageview",
        "ts": f"{D1}T23:20:00.000Z",
        "visitor": first["visitor"],
        "path": "/",
        "title": None,
        "referrer": "news.ycombinator.com",
        "country": "GB",
        "city": "London",
        "target": None,
        "kind": None,
        "query": None,
        "results_count": None,
        "search_id": None,
        "engaged_ms": None,
        "props": None,
    }
    # The visit crossing midnight keeps A's id; the next visit has a new one.
    assert day_two[0]["visitor"] == first["visitor"]
    assert day_two[2]["visitor"] != first["visitor"]
    assert day_one[2]["query"] == "diffusion models" and day_one[2]["results_count"] == 12
    retention = h.settings.raw_event_retention_days * 86_400
    assert retention < await h.redis.ttl(f"{h.prefix}:raw:{D1}") <= retention + 86_400

    # Nothing in Redis holds an IP address or a User-Agent.
    dump = []
    for key in await h.keys():
        kind = await h.redis.type(key)
        if kind == "string" and ":visitors" not in key:  # HyperLogLogs are binary
            dump.append(await h.redis.get(key))
        elif kind == "hash":
            dump.append(json.dumps(await h.redis.hgetall(key)))
        elif kind == "zset":
            dump.append(json.dumps(await h.redis.zrange(key, 0, -1)))
        elif kind == "stream":
            dump.append(json.dumps(await h.redis.xrange(key)))
        dump.append(key)
    text = "\n".join(str(item) for item in dump)
    for secret in (IP_LONDON, IP_GERMANY, "81.2.69.99", "Gecko/20100101", "Chrome/131"):
        assert secret not in text


async def test_period_keys_follow_events_recorded_after_their_first_read(h: Harness) -> None:
    await at(h, f"{D1}T10:00", "pageview", {"path": "/old", "props": {"paper_id": PAPER_2}}, visitor="A")
    await at(h, f"{D2}T10:00", "pageview", {"path": "/"}, visitor="A")
    week = await h.summary("7d")  # merges the period's days into period keys
    assert week["pageViews"]["total"] == 2 and week["pageViews"]["unique"] == 2
    await at(h, f"{D2}T10:05", "pageview", {"path": "/new", "props": {"paper_id": PAPER_1}}, visitor="B")
    await at(h, f"{D2}T10:06", "search", {"query": "graph networks"}, visitor="B")
    week = await h.summary("7d")
    assert week["pageViews"]["unique"] == 3
    assert {p["path"]: p["views"] for p in week["pageViews"]["byPage"]} == {"/old": 1, "/": 1, "/new": 1}
    assert week["papers"]["mostViewed"] == [
        {"id": PAPER_1, "title": None, "views": 1},
        {"id": PAPER_2, "title": None, "views": 1},
    ]
    assert week["searches"]["topQueries"] == [{"query": "graph networks", "count": 1}]
    assert week["geography"]["countries"] == [{"country": "GB", "visits": 2}, {"country": "DE", "visits": 1}]
    month = await h.summary("30d")
    assert month["pageViews"]["unique"] == 3 and month["visits"] == 3


async def test_realtime_counts_each_active_visitor_on_their_last_page(h: Harness) -> None:
    """More visitors than one Redis call takes at a time (the writer and the reader split at 1,000),
    more pages than a snapshot lists, ties ordered by path, and idle visitors left out."""
    h.clock.set(f"{D1}T12:00")
    idle = await h.post("pageview", {"path": "/idle"}, ip="198.51.100.1")
    assert idle.status_code == 202
    h.clock.set(f"{D1}T12:06")
    pages: dict[str, str] = {}
    for n in range(1200):
        path = f"/p{n % 25 if n % 3 else n % 7}"
        ip = f"10.{n // 250}.{n % 250}.1"
        events = [{"type": "pageview", "path": "/first"}, {"type": "pageview", "path": path}]
        if n % 2:
            events.append({"type": "click", "target": "x", "kind": "outbound"})  # not a page change
        response = await h.post("batch", {"events": events}, ip=ip)
        assert response.json() == {"accepted": len(events)}
        pages[ip] = path
    counts: dict[str, int] = {}
    for path in pages.values():
        counts[path] = counts.get(path, 0) + 1
    expected = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:20]
    assert len(counts) > 20 and len({n for _, n in expected}) < len(expected)  # cut, and ties

    realtime = (await h.summary())["realtime"]
    assert realtime == {
        "activeUsers": 1200,
        "currentPages": [{"path": path, "visitors": n} for path, n in expected],
    }
    h.clock.advance(minutes=6)
    assert (await h.summary())["realtime"] == {"activeUsers": 0, "currentPages": []}
