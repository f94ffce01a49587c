"""The sample week of traffic (``portfolio_analytics.sample``): loaded through the real intake under its
own key prefix, every dashboard figure filled, answered marked ``sample`` while loaded, removed exactly."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from conftest import TEST_KEYS, TEST_KEYS_ENV
from ingest_support import CHROME, IP_LONDON, Harness, harness

from portfolio_analytics import keys
from portfolio_shared.auth import issue_token


def token(caller: str = "core") -> dict[str, str]:
    return {
        "Authorization": "Bearer " + issue_token(issuer=caller, audience="analytics", key=TEST_KEYS[caller])
    }


@pytest.fixture
async def h() -> AsyncIterator[Harness]:
    async with harness(**TEST_KEYS_ENV) as running:
        running.clock.set("2026-12-07T15:30:00")
        yield running


async def sample_keys(h: Harness) -> list[str]:
    prefix = keys.sample_prefix(h.prefix)
    return [key async for key in h.redis.scan_iter(match=f"{prefix}:*", count=1000)]


async def test_the_sample_week_fills_every_figure_and_is_marked(h: Harness) -> None:
    response = await h.client.put("/internal/sample", headers=token())
    assert response.status_code == 200, response.text
    assert response.json()["loaded"] is True and response.json()["events"] > 500
    assert await h.keys() == []  # nothing under the site's own prefix

    week = await h.summary("7d")
    assert week["sample"] is True
    days = [point for point in week["timeseries"]["points"]]
    assert len(days) == 7 and all(point["pageViews"] > 0 for point in days)
    assert week["pageViews"]["byPage"] and week["referrers"] and week["geography"]["countries"]
    assert {row["country"] for row in week["geography"]["countries"]} - {"unknown"}
    assert week["papers"]["mostViewed"] and week["papers"]["mostShared"]
    assert week["searches"]["topQueries"] and week["searches"]["clickThroughRate"] > 0
    assert all(row["id"].startswith("sample/") for row in week["papers"]["mostViewed"])
    # The panels of issue 18 are filled too: several browsers, systems and every device class.
    assert week["entryPages"] and week["exitPages"]
    assert {row["source"] for row in week["utm"]["sources"]} == {"newsletter", "mastodon"}
    assert len(week["devices"]["browsers"]) >= 3 and len(week["devices"]["operatingSystems"]) >= 4
    assert {row["device"] for row in week["devices"]["deviceClasses"]} == {"desktop", "mobile", "tablet"}
    today = await h.summary("today")
    assert today["sample"] is True and today["pageViews"]["total"] > 0
    trending = await h.client.get("/metrics/trending", params={"period": "7d"})
    assert trending.status_code == 200 and trending.json()["sample"] is True


async def test_removal_deletes_exactly_the_sample_and_real_traffic_shows_again(h: Harness) -> None:
    real = await h.post("pageview", {"url": "https://site.example/papers"}, ip=IP_LONDON, ua=CHROME)
    assert real.status_code == 202
    real_keys = await h.keys()
    assert (await h.client.put("/internal/sample", headers=token())).status_code == 200
    assert await sample_keys(h)

    removed = await h.client.delete("/internal/sample", headers=token())
    assert removed.status_code == 200 and removed.json()["deleted"] > 0
    assert await sample_keys(h) == []
    assert await h.keys() == real_keys  # the real traffic's keys, untouched
    summary = await h.summary("today")
    assert summary["sample"] is False and summary["pageViews"]["total"] == 1


async def test_loading_again_replaces_the_sample(h: Harness) -> None:
    first = (await h.client.put("/internal/sample", headers=token())).json()
    before = (await h.summary("7d"))["pageViews"]["total"]
    second = (await h.client.put("/internal/sample", headers=token())).json()
    assert first["events"] == second["events"]
    assert (await h.summary("7d"))["pageViews"]["total"] == before


async def test_only_core_and_an_operator_may_load_or_remove_it(h: Harness) -> None:
    assert (await h.client.put("/internal/sample")).status_code == 401
    assert (await h.client.delete("/internal/sample", headers=token("scraper"))).status_code == 403
    assert (await h.client.get("/internal/sample", headers=token("admin"))).json() == {
        "loaded": False,
        "events": 0,
        "visitors": 0,
        "deleted": 0,
    }
