"""GET /api/analytics/token/: a short-lived dashboard token for staff (or anyone, when public)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from config.env import get_settings
from portfolio_shared.auth import VerifyingKey, signing_key, verify_token

pytestmark = pytest.mark.django_db

URL = "/api/analytics/token/"


def core_public_keys() -> dict[str, list[VerifyingKey]]:
    key = signing_key(get_settings())
    assert key is not None
    return {"core": [key.public()]}


def verify(token: str):  # type: ignore[no-untyped-def]
    return verify_token(token, audience="analytics-dashboard", keys=core_public_keys())


def test_staff_get_a_short_lived_dashboard_token(api: APIClient, django_user_model) -> None:  # type: ignore[no-untyped-def]
    api.force_login(django_user_model.objects.create_user("owner", is_staff=True))
    response = api.get(URL)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert (body["token_type"], body["audience"]) == ("Bearer", "analytics-dashboard")
    claims = verify(body["token"]).claims
    assert claims["iss"] == "core"
    assert 0 < claims["exp"] - claims["iat"] <= 300
    assert body["expires_in"] == claims["exp"] - claims["iat"]


def test_the_token_is_no_service_token(api: APIClient, django_user_model) -> None:  # type: ignore[no-untyped-def]
    from portfolio_shared.errors import AuthenticationFailed

    api.force_login(django_user_model.objects.create_user("owner", is_staff=True))
    token = api.get(URL).json()["token"]
    with pytest.raises(AuthenticationFailed) as refused:
        verify_token(
            token,
            audience="analytics",
            keys=core_public_keys(),
        )
    assert refused.value.error_code == "token_wrong_audience"


def test_anonymous_visitors_are_refused_with_401(api: APIClient) -> None:
    response = api.get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "login_required"


def test_logged_in_non_staff_are_refused_with_403(api: APIClient, django_user_model) -> None:  # type: ignore[no-untyped-def]
    api.force_login(django_user_model.objects.create_user("visitor"))
    response = api.get(URL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "staff_only"


def test_anyone_gets_a_token_when_the_dashboard_is_public(api: APIClient, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ANALYTICS_DASHBOARD_PUBLIC = True
    response = api.get(URL)
    assert response.status_code == 200
    assert verify(response.json()["token"]).caller == "core"
