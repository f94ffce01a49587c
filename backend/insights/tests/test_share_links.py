"""Read-only share links of the analytics dashboard: minted and revoked by the owner in the admin,
exchanged for dashboard tokens at ``POST /api/analytics/token/`` with no login, refused once
revoked or expired, and read-only at the analytics service."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import re
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from config.env import get_settings
from insights import services
from insights.models import DashboardShareLink
from portfolio_shared.auth import signing_key, verify_token

pytestmark = pytest.mark.django_db

URL = "/api/analytics/token/"
ADD = "admin:insights_dashboardsharelink_add"
CHANGELIST = "admin:insights_dashboardsharelink_changelist"
ANALYTICS_REDIS_URL = os.environ.get("TEST_ANALYTICS_REDIS_URL", "redis://127.0.0.1:6379/13")


def visitor() -> APIClient:
    """A fresh anonymous client from an address of its own (the attempts limit counts per address)."""
    return APIClient(REMOTE_ADDR=f"198.51.100.{random.randint(1, 254)}")


def exchange(api: APIClient, share: Any) -> Any:
    return api.post(URL, {"share": share}, format="json")


def claims_of(token: str) -> dict[str, Any]:
    key = signing_key(get_settings())
    assert key is not None
    return dict(verify_token(token, audience="analytics-dashboard", keys={"core": [key.public()]}).claims)


def test_the_owner_mints_a_link_whose_url_is_shown_once_and_stored_hashed(
    client: Client, owner: Any, settings: Any
) -> None:
    settings.SITE_URL = "https://portfolio.example.org"
    response = client.post(reverse(ADD), {"label": "Investor update", "expires_at_0": "", "expires_at_1": ""})
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    match = re.search(r'value="https://portfolio\.example\.org/analytics\?share=([A-Za-z0-9_-]{40,})"', html)
    assert match, html
    token = match.group(1)

    link = DashboardShareLink.objects.get()
    assert (link.label, link.created_by, link.state()) == ("Investor update", owner, "active")
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    # The token itself is in no column, and no later page shows it.
    assert token not in str(DashboardShareLink.objects.values().get())
    assert token not in client.get(reverse(CHANGELIST)).content.decode()
    change = client.get(reverse("admin:insights_dashboardsharelink_change", args=[link.pk]))
    assert change.status_code == 200 and token not in change.content.decode()

    # The link works with no login at all.
    granted = exchange(visitor(), token)
    assert granted.status_code == 200, granted.content


def test_a_valid_link_gets_a_short_lived_dashboard_token_without_login(settings: Any) -> None:
    settings.ANALYTICS_DASHBOARD_PUBLIC = False
    link, token = services.mint_share_link(label="Team")
    response = exchange(visitor(), token)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert (body["token_type"], body["audience"]) == ("Bearer", "analytics-dashboard")
    claims = claims_of(body["token"])
    assert claims["iss"] == "core"
    assert claims["exp"] - claims["iat"] == body["expires_in"] == services.SHARED_TOKEN_TTL
    link.refresh_from_db()
    assert link.use_count == 1 and link.last_used_at is not None


def test_a_token_never_outlives_its_link() -> None:
    _, token = services.mint_share_link(label="Soon over", expires_at=timezone.now() + timedelta(seconds=30))
    body = exchange(visitor(), token).json()
    assert 1 <= body["expires_in"] <= 30
    claims = claims_of(body["token"])
    assert claims["exp"] - claims["iat"] == body["expires_in"]


@pytest.mark.parametrize(
    ("state", "status", "code"),
    [
        ("unknown", 401, "share_link_invalid"),
        ("revoked", 403, "share_link_revoked"),
        ("expired", 403, "share_link_expired"),
    ],
)
def test_unknown_revoked_and_expired_links_are_refused(state: str, status: int, code: str) -> None:
    link, token = services.mint_share_link(label=state)
    if state == "unknown":
        token = token[:-4] + "AAAA"
    elif state == "revoked":
        services.revoke_share_links(links=DashboardShareLink.objects.filter(pk=link.pk))
    else:
        DashboardShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = exchange(visitor(), token)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    link.refresh_from_db()
    assert link.use_count == 0


@pytest.mark.parametrize("body", [{}, {"share": ""}, {"share": "x" * 101}])
def test_a_request_without_a_share_token_is_a_422(body: dict[str, Any]) -> None:
    response = visitor().post(URL, body, format="json")
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "validation_error"


def test_the_owner_revokes_links_in_the_admin_and_they_stop_working(client: Client, owner: Any) -> None:
    link, token = services.mint_share_link(label="Old", created_by=owner)
    _, other_token = services.mint_share_link(label="Kept")
    assert exchange(visitor(), token).status_code == 200
    response = client.post(
        reverse(CHANGELIST), {"action": "revoke", "_selected_action": [str(link.pk)]}, follow=True
    )
    assert response.status_code == 200 and "1 share link(s) revoked." in response.content.decode()
    link.refresh_from_db()
    assert link.state() == "revoked" and "revoked" in response.content.decode()
    assert exchange(visitor(), token).json()["error"]["code"] == "share_link_revoked"
    assert exchange(visitor(), other_token).status_code == 200


def test_a_logged_in_staff_browser_may_use_a_link_without_a_csrf_token(django_user_model: Any) -> None:
    # The session plays no part in the share exchange, so its CSRF check does not either.
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(django_user_model.objects.create_user("staff", is_staff=True))
    _, token = services.mint_share_link(label="Seen by the owner")
    assert exchange(api, token).status_code == 200


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "QUERY"])
def test_a_method_the_token_endpoint_does_not_serve_is_a_405_even_for_a_session(
    django_user_model: Any, method: str
) -> None:
    # Found by schema fuzzing: an unserved method ran the session's CSRF check first (a 403).
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(django_user_model.objects.create_user("staff", is_staff=True))
    response = api.generic(
        method, reverse("analytics-token"), '{"share": ""}', content_type="application/json"
    )
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_attempts_are_rate_limited_per_client(settings: Any) -> None:
    settings.DASHBOARD_SHARE_RATE_LIMIT = 3
    api = APIClient(REMOTE_ADDR=f"203.0.113.{random.randint(1, 254)}")
    answers = [exchange(api, f"guess-{uuid.uuid4().hex}").status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]
    limited = exchange(api, "another-guess")
    assert limited.json()["error"]["code"] == "rate_limited" and int(limited["Retry-After"]) >= 1
    # Another client is not limited by the first one's attempts.
    assert exchange(visitor(), "a-guess").status_code == 401


def test_a_shared_token_reads_the_dashboard_and_nothing_else(settings: Any) -> None:
    """The real analytics app (private dashboard, real Redis) accepts the shared token on its
    dashboard reads and refuses it where a write or a service is expected."""
    from portfolio_analytics.config import AnalyticsSettings
    from portfolio_analytics.main import create_app

    _, share = services.mint_share_link(label="Read only")
    token = exchange(visitor(), share).json()["token"]

    async def calls() -> dict[str, int]:
        analytics = AnalyticsSettings(
            REDIS_URL=ANALYTICS_REDIS_URL,
            ENVIRONMENT="test",
            ANALYTICS_REDIS_PREFIX=f"share-{uuid.uuid4().hex[:10]}",
            ANALYTICS_DASHBOARD_PUBLIC=False,
        )
        app = create_app(analytics)
        api = app.other_asgi_app
        api.state.realtime = None
        async with api.router.lifespan_context(api):
            transport = httpx.ASGITransport(app=app)
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(
                transport=transport, base_url="http://analytics", headers=headers
            ) as c:
                return {
                    "summary": (await c.get("/metrics/summary", params={"period": "7d"})).status_code,
                    "anonymous": (await c.get("/metrics/summary", headers={"Authorization": ""})).status_code,
                    "export": (await c.get("/export", params={"date": "2026-12-01"})).status_code,
                    "sample": (await c.put("/internal/sample")).status_code,
                }

    statuses = asyncio.run(calls())
    assert statuses["summary"] == 200
    assert statuses["anonymous"] == 401
    assert statuses["export"] in (401, 403) and statuses["sample"] in (401, 403)
