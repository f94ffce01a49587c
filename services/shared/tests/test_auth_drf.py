"""The DRF authentication class and permission, run through real DRF views.

Django is configured here only if nothing configured it before (another module of the same run
may have); everything these tests depend on is applied with ``override_settings``, and views are
called directly through ``APIRequestFactory``, so no URLconf or middleware of anyone else matters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import django
import pytest
from django.conf import settings

if not settings.configured:
    settings.configure(
        SECRET_KEY="test-only-django-secret-key-for-the-shared-package-tests",
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
        DATABASES={},
        ALLOWED_HOSTS=["*"],
        USE_TZ=True,
    )
django.setup()

from django.core.exceptions import ImproperlyConfigured  # noqa: E402 - needs configured settings
from django.test import override_settings  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.test import APIRequestFactory  # noqa: E402
from rest_framework.views import APIView  # noqa: E402
from test_auth_support import authenticator  # noqa: E402
from test_auth_support import bearer as signed_bearer  # noqa: E402

from portfolio_shared.auth import ServicePrincipal, SigningKey, TokenAuthenticator, issue_token  # noqa: E402
from portfolio_shared.auth.drf import (  # noqa: E402
    IsService,
    ServiceTokenAuthentication,
    ServiceUser,
    get_authenticator,
)

AUTHENTICATOR = authenticator("core")
SHARED_HANDLER = "portfolio_shared.errors.drf.exception_handler"


def configured_authenticator() -> TokenAuthenticator:
    return AUTHENTICATOR


class BulkPapers(APIView):
    authentication_classes = [ServiceTokenAuthentication]
    permission_classes = [IsService.allowing("scraper")]

    def post(self, request: Request) -> Response:
        assert isinstance(request.user, ServiceUser)
        assert isinstance(request.auth, ServicePrincipal)
        return Response({"caller": request.auth.caller, "user": str(request.user)})


class AnyService(APIView):
    authentication_classes = [ServiceTokenAuthentication]
    permission_classes = [IsService]

    def get(self, request: Request) -> Response:
        return Response({"caller": request.auth.caller})


def rest_framework(**extra: Any) -> dict[str, Any]:
    # UNAUTHENTICATED_USER None: no need for django.contrib.auth's models in a database-less run.
    return {
        "UNAUTHENTICATED_USER": None,
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": [],
        **extra,
    }


@pytest.fixture(autouse=True)
def service_auth_settings() -> Iterator[None]:
    with override_settings(
        SERVICE_AUTHENTICATOR=AUTHENTICATOR, REST_FRAMEWORK=rest_framework(EXCEPTION_HANDLER=SHARED_HANDLER)
    ):
        yield


def call(view: type[APIView], method: str = "post", headers: dict[str, str] | None = None) -> Response:
    factory = APIRequestFactory()
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
    request = getattr(factory, method)("/internal/papers/bulk/", **extra)
    response: Response = view.as_view()(request)
    response.render()
    return response


def bearer_signed_by(key: SigningKey, issuer: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(issuer=issuer, audience='core', key=key)}"}


def bearer(issuer: str, audience: str = "core", **kwargs: Any) -> dict[str, str]:
    return signed_bearer(issuer, audience, **kwargs)


def error(response: Response) -> dict[str, Any]:
    body: dict[str, Any] = response.data["error"]
    return body


def test_an_allowed_service_gets_through_as_a_service_user() -> None:
    response = call(BulkPapers, headers=bearer("scraper"))
    assert response.status_code == 200
    assert response.data == {"caller": "scraper", "user": "service:scraper"}


def test_no_token_is_401_with_a_bearer_challenge() -> None:
    response = call(BulkPapers)
    assert response.status_code == 401
    assert error(response)["code"] == "token_missing"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_another_scheme_is_left_to_other_classes_and_then_refused() -> None:
    response = call(BulkPapers, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert (response.status_code, error(response)["code"]) == (401, "token_missing")


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        (bearer("scraper", now=1_000_000_000), "token_expired"),
        (bearer("scraper", audience="documents"), "token_wrong_audience"),
        ({"Authorization": "Bearer"}, "token_missing"),
        ({"Authorization": "Bearer x.y.z"}, "token_malformed"),
        (
            bearer_signed_by(SigningKey.generate(), "scraper"),
            "token_invalid_signature",
        ),
    ],
)
def test_a_bad_token_is_401_with_its_code(headers: dict[str, str], code: str) -> None:
    response = call(BulkPapers, headers=headers)
    assert (response.status_code, error(response)["code"]) == (401, code)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_known_caller_not_allowed_is_403() -> None:
    response = call(BulkPapers, headers=bearer("analytics"))
    assert response.status_code == 403
    assert error(response)["code"] == "caller_not_allowed"
    assert error(response)["details"] == {"caller": "analytics", "allowed": ["scraper"]}


def test_is_service_alone_admits_any_known_service() -> None:
    response = call(AnyService, "get", bearer("scheduler"))
    assert (response.status_code, response.data) == (200, {"caller": "scheduler"})


def test_with_drfs_own_handler_it_is_still_401_not_403() -> None:
    # authenticate_header() is what keeps DRF from turning the failure into a 403.
    with override_settings(REST_FRAMEWORK=rest_framework()):
        response = call(BulkPapers, headers=bearer("scraper", now=1_000_000_000))
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"
        assert response.data["detail"].code == "token_expired"
        denied = call(BulkPapers, headers=bearer("core"))
        assert (denied.status_code, denied.data["detail"].code) == (403, "caller_not_allowed")


@pytest.mark.parametrize(
    "value", [AUTHENTICATOR, configured_authenticator, f"{__name__}.configured_authenticator"]
)
def test_the_authenticator_setting_accepts_an_instance_a_callable_or_a_path(value: Any) -> None:
    with override_settings(SERVICE_AUTHENTICATOR=value):
        assert get_authenticator() is AUTHENTICATOR
        assert call(BulkPapers, headers=bearer("scraper")).status_code == 200


@pytest.mark.parametrize("value", [None, "not a path", 42, lambda: "not an authenticator"])
def test_a_missing_or_wrong_authenticator_setting_is_improperly_configured(value: Any) -> None:
    with override_settings(SERVICE_AUTHENTICATOR=value), pytest.raises(ImproperlyConfigured):
        get_authenticator()


def test_the_service_user_is_authenticated_but_holds_no_permissions() -> None:
    user = ServiceUser(ServicePrincipal(caller="core"))
    assert (user.is_authenticated, user.is_anonymous, user.is_staff, user.is_superuser) == (
        True,
        False,
        False,
        False,
    )
    assert not user.has_perm("papers.change_paper")
    assert not user.has_perms(["papers.view_paper"])
    assert not user.has_module_perms("papers")
    assert user.get_username() == "service:core"
