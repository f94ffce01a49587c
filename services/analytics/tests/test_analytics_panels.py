"""The visit panels of issue 18 against exact figures: entry and exit pages, UTM source, medium and
campaign, and browser, OS and device class from the User-Agent (never stored), through the daily
keys, the writer-kept period keys and a full set's ``(other)``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from ingest_support import CHROME, IP_GERMANY, IP_LONDON, SAFARI, Harness, harness

from portfolio_analytics.events.devices import device_of

DAY = "2026-03-09"
TABLET = (
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
VISITORS = {"A": (IP_LONDON, CHROME), "B": (IP_GERMANY, SAFARI), "C": ("198.51.100.7", TABLET)}


@pytest.fixture
async def h() -> AsyncIterator[Harness]:
    async with harness() as h:
        yield h


async def view(h: Harness, at: str, visitor: str, **body: Any) -> None:
    h.clock.set(f"{DAY}T{at}")
    ip, ua = VISITORS[visitor]
    response = await h.post("pageview", body, ip=ip, ua=ua)
    assert response.json() == {"accepted": 1}, response.text


def panels(summary: dict[str, Any]) -> dict[str, Any]:
    return {key: summary[key] for key in ("entryPages", "exitPages", "utm", "devices")}


async def test_entry_exit_utm_and_device_panels(h: Harness) -> None:
    utm = "https://site.example/?utm_source=newsletter&utm_medium=email&utm_campaign=march&x=1"
    await view(h, "10:00", "A", url=utm)
    await view(h, "10:01", "B", path="/papers")
    h.clock.set(f"{DAY}T10:02")
    before = await h.summary("7d")  # creates the period keys the writer then keeps current
    assert before["exitPages"] == [{"path": "/", "visits": 1}, {"path": "/papers", "visits": 1}]
    await view(h, "10:03", "A", path="/papers")
    await view(h, "10:04", "A", path="/about")
    await view(h, "10:05", "B", path="/papers")  # a reload: the exit stays
    await view(h, "10:06", "C", path="/about", url="https://site.example/about?utm_source=")
    await view(h, "10:50", "A", path="/")  # 46 minutes later: a new visit
    h.clock.set(f"{DAY}T11:00")

    expected = {
        "entryPages": [
            {"path": "/", "visits": 2},
            {"path": "/about", "visits": 1},
            {"path": "/papers", "visits": 1},
        ],
        "exitPages": [
            {"path": "/about", "visits": 2},
            {"path": "/", "visits": 1},
            {"path": "/papers", "visits": 1},
        ],
        "utm": {
            "sources": [{"source": "newsletter", "visits": 1}],
            "mediums": [{"medium": "email", "visits": 1}],
            "campaigns": [{"campaign": "march", "visits": 1}],
        },
        "devices": {
            "browsers": [{"browser": "Chrome", "visits": 3}, {"browser": "Mobile Safari", "visits": 1}],
            "operatingSystems": [
                {"os": "Linux", "visits": 2},
                {"os": "Android", "visits": 1},
                {"os": "iOS", "visits": 1},
            ],
            "deviceClasses": [
                {"device": "desktop", "visits": 2},
                {"device": "mobile", "visits": 1},
                {"device": "tablet", "visits": 1},
            ],
        },
    }
    assert panels(await h.summary("today")) == expected
    assert panels(await h.summary("7d")) == expected  # the period keys followed, decrements too
    assert panels(await h.summary(None, **{"from": "2026-03-01"})) == expected  # merged daily keys
    assert (await h.summary("today"))["visits"] == 4

    # Only the three names are stored, never the User-Agent.
    stored = await h.keys()
    text = json.dumps([await h.redis.hgetall(key) for key in stored if await h.redis.type(key) == "hash"])
    text += json.dumps(
        [await h.redis.zrange(key, 0, -1) for key in stored if await h.redis.type(key) == "zset"]
    )
    assert "Chrome/131" not in text and "SM-X710" not in text and "iPhone OS" not in text


async def test_a_full_exit_set_moves_a_visit_out_of_other() -> None:
    async with harness(ANALYTICS_DISTINCT_PER_SET=10) as h:
        for n in range(10):
            h.clock.set(f"{DAY}T09:{n:02d}")
            assert (await h.post("pageview", {"path": f"/p{n}"}, ip=f"203.0.113.{n}")).status_code == 202
        # The eleventh page does not fit: the visit enters and exits on (other), then moves to /p0.
        await view(h, "10:00", "A", path="/new")
        summary = await h.summary("today")
        assert {"path": "(other)", "visits": 1} in summary["exitPages"]
        await view(h, "10:01", "A", path="/p0")
        exits = await h.redis.zrange(f"{h.prefix}:day:{DAY}:exit", 0, -1, withscores=True)
        assert dict(exits)["(other)"] == 0 and dict(exits)["/p0"] == 2
        assert sum(score for _, score in exits) == 11  # one exit per visit
        rows = (await h.summary("today", limit=20))["exitPages"]
        assert rows[0] == {"path": "/p0", "visits": 2} and all(row["visits"] > 0 for row in rows)
        assert sum(row["visits"] for row in rows) == 11


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (CHROME, ("Chrome", "Linux", "desktop")),
        (SAFARI, ("Mobile Safari", "iOS", "mobile")),
        (TABLET, ("Chrome", "Android", "tablet")),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.0 Mobile/15E148 Safari/604.1",
            ("Mobile Safari", "iOS", "tablet"),
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            ("Chrome Mobile", "Android", "mobile"),
        ),
        ("", ("Other", "Other", "desktop")),
    ],
)
def test_device_of_a_user_agent(user_agent: str, expected: tuple[str, str, str]) -> None:
    assert tuple(device_of(user_agent)) == expected


async def test_a_visit_crossing_midnight_moves_its_exit_in_todays_period_keys_too(h: Harness) -> None:
    h.clock.set("2026-03-08T23:50")
    assert (await h.post("pageview", {"path": "/"})).status_code == 202
    h.clock.set(f"{DAY}T00:05")
    assert (await h.summary("7d"))["exitPages"] == [{"path": "/", "visits": 1}]  # today's period keys
    await view(h, "00:10", "A", path="/papers")  # the same visit (yesterday's id), on yesterday
    expected = [{"path": "/papers", "visits": 1}]
    assert (await h.summary("7d"))["exitPages"] == expected
    assert (await h.summary(None, **{"from": "2026-03-08", "to": DAY}))["exitPages"] == expected
    assert (await h.summary("today"))["exitPages"] == []  # the visit belongs to the day it started
