"""``POST /api/internal/papers/titles/``: papers' titles by arXiv id for the analytics dashboard
(service auth, caller ``analytics``), through the shared ``CoreClient`` against the real view, and
the analytics service's ranked papers named by a live core."""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import Any

import httpx
import pytest
from rest_framework.test import APIClient

from core_lib.testing import closed_port_url
from papers.models import Paper
from papers.tests.conftest import payload, service_headers, store
from portfolio_shared.auth import dev_signing_key
from portfolio_shared.auth.providers import SignedTokenProvider
from portfolio_shared.clients import CoreClient
from portfolio_shared.schemas import MAX_TITLE_LOOKUP

URL = "/api/internal/papers/titles/"
#: A browser's User-Agent: analytics drops what looks like a bot (httpx's own agent does).
BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
ANALYTICS_REDIS_URL = os.environ.get("TEST_ANALYTICS_REDIS_URL", "redis://127.0.0.1:6379/13")


def post(api: APIClient, body: Any, caller: str = "analytics") -> Any:
    return api.post(URL, body, format="json", headers=service_headers(caller))


@pytest.mark.django_db
def test_titles_of_the_visible_papers_among_the_ids(api: APIClient) -> None:
    store(payload("2401.00001", title="Attention again"), payload("2401.00002", title="Hidden one"))
    Paper.objects.filter(arxiv_id="2401.00002").update(hidden=True)
    response = post(api, {"ids": ["2401.00001", "2401.00002", "2401.99999"]})
    assert response.status_code == 200, response.content
    # Hidden and unknown papers are absent, as on every public read.
    assert response.json() == {"titles": {"2401.00001": "Attention again"}}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ids": []}, "ids"),
        ({"ids": [f"2401.{n:05d}" for n in range(1, MAX_TITLE_LOOKUP + 2)]}, "ids"),
        ({"ids": ["not-an-id"]}, "ids"),
        ({"ids": ["2401.00001v2"]}, "ids"),  # version-less ids only, as analytics records them
        ({"ids": ["2401.00001"], "extra": 1}, "extra"),
    ],
    ids=["empty", "too-many", "malformed", "versioned", "unknown-field"],
)
def test_a_lookup_that_does_not_validate_is_a_422_envelope(api: APIClient, body: Any, field: str) -> None:
    response = post(api, body)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"]["errors"][0]["loc"][0] == field


@pytest.mark.django_db
def test_the_largest_lookup_is_answered(api: APIClient) -> None:
    ids = [f"2401.{n:05d}" for n in range(1, MAX_TITLE_LOOKUP + 1)]
    store(payload(ids[-1], title="The last one"))
    assert post(api, {"ids": ids}).json() == {"titles": {ids[-1]: "The last one"}}


@pytest.mark.django_db
def test_titles_need_the_analytics_service_token(api: APIClient) -> None:
    missing = api.post(URL, {"ids": ["2401.00001"]}, format="json")
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "token_missing"
    scraper = post(api, {"ids": ["2401.00001"]}, caller="scraper")
    assert scraper.status_code == 403 and scraper.json()["error"]["code"] == "caller_not_allowed"


def analytics_core_client(url: str) -> CoreClient:
    return CoreClient(
        url,
        caller="analytics",
        token_provider=SignedTokenProvider("analytics", dev_signing_key("analytics")),
        retries=0,
    )


@pytest.mark.django_db(transaction=True)
def test_the_typed_client_reads_titles_from_cores_view(live_server: Any) -> None:
    store(payload("2401.00001", title="Retrieval, revisited"), payload("hep-th/9901001", title="Old style"))

    async def lookup() -> dict[str, str]:
        async with analytics_core_client(live_server.url) as core:
            return await core.paper_titles(["2401.00001", "hep-th/9901001", "2401.00003"])

    assert asyncio.run(lookup()) == {"2401.00001": "Retrieval, revisited", "hep-th/9901001": "Old style"}


@pytest.mark.django_db(transaction=True)
def test_analytics_names_the_ranked_papers_with_cores_titles(live_server: Any) -> None:
    """The real analytics app (in process, real Redis) asks the live core for the titles of its
    most viewed and most shared papers; with core down the ids still come back, title null."""
    from portfolio_analytics.config import AnalyticsSettings
    from portfolio_analytics.main import create_app

    store(payload("2401.00001", title="Agents that read"), payload("2401.00002", title="Quiet paper"))

    async def read(core_url: str) -> tuple[dict[str, Any], dict[str, Any]]:
        settings = AnalyticsSettings(
            REDIS_URL=ANALYTICS_REDIS_URL,
            ENVIRONMENT="test",
            ANALYTICS_REDIS_PREFIX=f"titles-{uuid.uuid4().hex[:10]}",
            ANALYTICS_DASHBOARD_PUBLIC=True,
            ANALYTICS_SUMMARY_CACHE_SECONDS=0,
            CORE_URL=core_url,
        )
        app = create_app(settings)
        api = app.other_asgi_app
        api.state.realtime = None  # the live feed is not under test here
        async with api.router.lifespan_context(api):
            try:
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://analytics", headers={"user-agent": BROWSER}
                ) as client:
                    for paper, path in (("2401.00001", "/papers/2401.00001"), ("sample-x", "/papers/x")):
                        event = {"path": path, "props": {"paper_id": paper}}
                        sent = await client.post("/events/pageview", json=event)
                        assert sent.status_code == 202 and "x-analytics-dropped" not in sent.headers
                    share = {"target": "2401.00002", "kind": "share"}
                    shared = await client.post("/events/click", json=share)
                    assert shared.status_code == 202, shared.text
                    summary = (await client.get("/metrics/summary", params={"period": "today"})).json()
                    popular = (await client.get("/metrics/popular", params={"period": "today"})).json()
                    return summary, popular
            finally:
                redis = api.state.redis
                keys = [k async for k in redis.scan_iter(match=f"{settings.redis_prefix}*", count=1000)]
                if keys:
                    await redis.delete(*keys)

    summary, popular = asyncio.run(read(live_server.url))
    viewed = {row["id"]: row["title"] for row in summary["papers"]["mostViewed"]}
    # An id that is no arXiv id is never sent to core; it keeps its row, title null.
    assert viewed == {"2401.00001": "Agents that read", "sample-x": None}
    assert summary["papers"]["mostShared"] == [{"id": "2401.00002", "title": "Quiet paper", "shares": 1}]
    assert {row["id"]: row["title"] for row in popular["papers"]} == viewed

    down, _ = asyncio.run(read(closed_port_url()))
    assert {row["id"]: row["title"] for row in down["papers"]["mostViewed"]} == {
        "2401.00001": None,
        "sample-x": None,
    }
