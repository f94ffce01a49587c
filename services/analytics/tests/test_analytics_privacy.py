"""Visitor ids without cookies: the daily salt rotates and expires, a visit crossing midnight keeps
its id only while it is open, and unique visitors stay within 2 % of the truth at 10,000."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from ingest_support import CHROME, FIREFOX, IP_LONDON, Harness, harness

from portfolio_analytics.events.intake import Context
from portfolio_analytics.events.privacy import SALT_TTL_SECONDS, visitor_id


@pytest.fixture
async def h() -> AsyncIterator[Harness]:
    async with harness() as h:
        yield h


async def visitor_of_last_event(h: Harness) -> str:
    day = h.clock.now.date().isoformat()
    entries = await h.redis.xrevrange(f"{h.prefix}:raw:{day}", count=1)
    visitor: str = json.loads(entries[0][1]["e"])["visitor"]
    return visitor


async def test_salt_rotates_daily_and_expires_after_48_hours(h: Harness) -> None:
    h.clock.set("2026-03-09T12:00")
    await h.post("pageview", {"path": "/"})
    monday = await visitor_of_last_event(h)
    salt_key = f"{h.prefix}:salt:2026-03-09"
    salt = await h.redis.get(salt_key)
    assert salt and len(salt) == 64
    assert SALT_TTL_SECONDS - 60 < await h.redis.ttl(salt_key) <= SALT_TTL_SECONDS == 48 * 3600
    # The same person later the same day: the same id (no cookie needed).
    h.clock.set("2026-03-09T18:00")
    await h.post("pageview", {"path": "/"})
    assert await visitor_of_last_event(h) == monday
    assert monday == visitor_id(salt, h.settings.site_id, IP_LONDON, CHROME)
    # The next day: a new random salt, so an unlinkable new id.
    h.clock.set("2026-03-10T12:00")
    await h.post("pageview", {"path": "/"})
    tuesday = await visitor_of_last_event(h)
    assert tuesday != monday
    assert await h.redis.get(f"{h.prefix}:salt:2026-03-10") not in (None, salt)
    # Another browser on the same address is another visitor.
    await h.post("pageview", {"path": "/"}, ua=FIREFOX)
    assert await visitor_of_last_event(h) != tuesday


async def test_yesterdays_salt_only_holds_an_open_session(h: Harness) -> None:
    h.clock.set("2026-03-09T23:45")
    await h.post("pageview", {"path": "/"})
    evening = await visitor_of_last_event(h)
    h.clock.set("2026-03-10T00:10")  # 25 minutes later: the visit goes on
    await h.post("pageview", {"path": "/next"})
    assert await visitor_of_last_event(h) == evening
    # Another visitor whose last event was before 23:40 starts fresh after midnight.
    h.clock.set("2026-03-09T23:30")
    await h.post("pageview", {"path": "/"}, ua=FIREFOX)
    h.clock.set("2026-03-10T00:05")
    await h.post("pageview", {"path": "/"}, ua=FIREFOX)
    late = await visitor_of_last_event(h)
    h.clock.set("2026-03-10T00:06")
    await h.post("pageview", {"path": "/again"}, ua=FIREFOX)
    assert await visitor_of_last_event(h) == late
    h.clock.set("2026-03-09T23:30")
    assert late != await visitor_of_last_event(h)
    # Once yesterday's salt is gone (its 48 h TTL), nothing can link back to yesterday's id.
    await h.redis.delete(f"{h.prefix}:salt:2026-03-09")
    h.clock.set("2026-03-10T00:20")
    h.api.state.intake.salts._known.clear()  # a fresh process: nothing remembered in memory
    await h.post("pageview", {"path": "/"})
    assert await visitor_of_last_event(h) != evening


async def test_unique_visitors_within_two_percent_of_the_truth(h: Harness) -> None:
    h.clock.set("2026-03-09T10:00")
    intake = h.api.state.intake
    now_ms = int(datetime(2026, 3, 9, 10, tzinfo=UTC).timestamp() * 1000)
    from portfolio_analytics.events.schemas import PageviewIn

    event = [PageviewIn(path="/")]
    truth = 10_000

    async def visit(n: int) -> None:
        ip = f"100.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        outcome = await intake.accept(
            h.redis, event, Context(peer=ip, headers={"user-agent": CHROME}, now_ms=now_ms)
        )
        assert outcome.dropped is None

    for start in range(0, truth, 500):
        await asyncio.gather(*(visit(n) for n in range(start, start + 500)))
    summary = await h.summary("today")
    assert summary["pageViews"]["total"] == truth
    assert summary["visits"] == truth
    assert abs(summary["pageViews"]["unique"] - truth) <= 0.02 * truth
    # A second view from everyone changes the page views, not the uniques.
    for start in range(0, 2000, 500):
        await asyncio.gather(*(visit(n) for n in range(start, start + 500)))
    again = await h.summary("today")
    assert again["pageViews"]["total"] == truth + 2000
    assert again["pageViews"]["unique"] == summary["pageViews"]["unique"]
