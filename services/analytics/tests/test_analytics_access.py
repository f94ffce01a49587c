"""The dashboard access rule (``DashboardDep``): public, core's dashboard token, or a core/admin
service token; everything else a 401/403 envelope. Tokens are minted the way core mints them."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from conftest import TEST_KEYS, TEST_KEYS_ENV

from portfolio_analytics.api.access import DASHBOARD_AUDIENCE, DashboardDep
from portfolio_analytics.config import AnalyticsSettings
from portfolio_analytics.main import create_app
from portfolio_shared.auth import SignedTokenProvider, SigningKey, issue_token
from portfolio_shared.clients import AnalyticsClient
from portfolio_shared.errors import PortfolioError


def dashboard_token(*, issuer: str = "core", key: SigningKey | None = None, now: float | None = None) -> str:
    # What core's insights.services.issue_dashboard_token mints (signed by the issuer's own key).
    signing = key or TEST_KEYS[issuer]
    return issue_token(issuer=issuer, audience=DASHBOARD_AUDIENCE, key=signing, ttl=300, now=now)


async def app_client(public: bool) -> AsyncIterator[httpx.AsyncClient]:
    settings = AnalyticsSettings(
        ENVIRONMENT="test",
        **TEST_KEYS_ENV,
        ANALYTICS_DASHBOARD_PUBLIC=public,
        REDIS_URL="redis://127.0.0.1:6379/13",
    )
    app = create_app(settings)
    api = app.other_asgi_app

    @api.get("/test-dashboard-probe")
    async def probe(viewer: DashboardDep) -> dict[str, Any]:
        return {"kind": viewer.kind, "caller": viewer.caller}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as client:
        yield client


@pytest.fixture
async def private() -> AsyncIterator[httpx.AsyncClient]:
    async for client in app_client(public=False):
        yield client


@pytest.fixture
async def public() -> AsyncIterator[httpx.AsyncClient]:
    async for client in app_client(public=True):
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def get(client: httpx.AsyncClient, headers: dict[str, str] | None = None) -> httpx.Response:
    return await client.get("/test-dashboard-probe", headers=headers or {})


async def test_a_public_dashboard_needs_no_token(public: httpx.AsyncClient) -> None:
    response = await get(public)
    assert response.status_code == 200
    assert response.json() == {"kind": "public", "caller": None}
    # Even a junk token does not matter when the dashboard is public.
    assert (await get(public, bearer("junk"))).status_code == 200


async def test_a_private_dashboard_without_a_token_is_401(private: httpx.AsyncClient) -> None:
    response = await get(private)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_missing"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_core_dashboard_token_is_accepted(private: httpx.AsyncClient) -> None:
    response = await get(private, bearer(dashboard_token()))
    assert response.status_code == 200
    assert response.json() == {"kind": "dashboard", "caller": "core"}


@pytest.mark.parametrize(
    ("token", "code"),
    [
        (lambda: dashboard_token(now=time.time() - 1000), "token_expired"),
        (lambda: dashboard_token(key=SigningKey.generate()), "token_invalid_signature"),
        (lambda: dashboard_token(issuer="scraper"), "token_unknown_issuer"),
        (lambda: "not-a-jwt", "token_malformed"),
        # A service token for another service is neither a dashboard token nor ours.
        (
            lambda: issue_token(issuer="core", audience="documents", key=TEST_KEYS["core"]),
            "token_wrong_audience",
        ),
    ],
    ids=["expired", "bad-signature", "not-from-core", "malformed", "other-audience"],
)
async def test_bad_tokens_are_401_with_their_code(private: httpx.AsyncClient, token: Any, code: str) -> None:
    response = await get(private, bearer(token()))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code


async def test_another_scheme_is_401(private: httpx.AsyncClient) -> None:
    response = await get(private, {"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_malformed"


async def test_core_service_token_is_accepted_for_the_summary_proxy(private: httpx.AsyncClient) -> None:
    token = issue_token(issuer="core", audience="analytics", key=TEST_KEYS["core"])
    response = await get(private, bearer(token))
    assert response.status_code == 200
    assert response.json() == {"kind": "service", "caller": "core"}


async def test_a_service_that_may_not_read_the_dashboard_is_403(private: httpx.AsyncClient) -> None:
    token = issue_token(issuer="scraper", audience="analytics", key=TEST_KEYS["scraper"])
    response = await get(private, bearer(token))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "caller_not_allowed"


async def test_openapi_documents_the_bearer_scheme(private: httpx.AsyncClient) -> None:
    schemes = (await private.get("/openapi.json")).json()["components"]["securitySchemes"]
    assert schemes["DashboardToken"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schemes["DashboardToken"]["description"],
    }


async def test_core_summary_proxy_reads_a_private_dashboard_with_its_service_token() -> None:
    # What core's insights.selectors.analytics_summary does: the shared client, core's signed
    # service token for audience "analytics", GET /metrics/summary.
    settings = AnalyticsSettings(
        ENVIRONMENT="test",
        **TEST_KEYS_ENV,
        ANALYTICS_DASHBOARD_PUBLIC=False,
        REDIS_URL="redis://127.0.0.1:6379/13",
        ANALYTICS_REDIS_PREFIX=f"test-access-{uuid.uuid4().hex[:8]}",
    )
    app = create_app(settings)
    api = app.other_asgi_app
    async with api.router.lifespan_context(api):
        client = AnalyticsClient(
            "http://analytics",
            caller="core",
            token_provider=SignedTokenProvider("core", TEST_KEYS["core"]),
            transport=httpx.ASGITransport(app=app),
        )
        async with client:
            summary = await client.summary("7d")
            # What core forwards for a custom range and a filter means the same to the service.
            today = datetime.now(UTC).date()
            start = (today - timedelta(days=2)).isoformat()
            ranged = await client.summary(start=start, end=today.isoformat(), filter_="country:NL")
            with pytest.raises(PortfolioError) as refused:
                await client.summary(start=start, end=(today + timedelta(days=1)).isoformat())
    assert summary.page_views.total == 0
    assert summary.realtime.active_users == 0
    assert (ranged.period, ranged.from_, ranged.to) == ("custom", start, today.isoformat())
    assert ranged.filter is not None and (ranged.filter.kind, ranged.filter.value) == ("country", "NL")
    assert refused.value.status == 422
    assert refused.value.details["errors"][0]["loc"] == ["query", "to"]  # in the future


def test_a_private_dashboard_without_core_s_public_key_refuses_to_start() -> None:
    admin_only = {"SERVICE_CALLER_KEYS_ADMIN": TEST_KEYS["admin"].public().text()}
    with pytest.raises(ValueError, match="SERVICE_CALLER_KEYS_CORE is required"):
        settings = AnalyticsSettings(ENVIRONMENT="production", ANALYTICS_DASHBOARD_PUBLIC=False, **admin_only)
        create_app(settings)
