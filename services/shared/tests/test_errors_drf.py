"""The DRF exception handler: every error a DRF view can raise answers the shared envelope."""

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

from django.http import Http404  # noqa: E402 - needs configured settings
from django.test import override_settings  # noqa: E402
from rest_framework import serializers  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.test import APIRequestFactory  # noqa: E402
from rest_framework.throttling import BaseThrottle  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from portfolio_shared.errors import RateLimited, ServiceUnavailable  # noqa: E402


@pytest.fixture(autouse=True)
def shared_handler() -> Iterator[None]:
    with override_settings(
        REST_FRAMEWORK={
            "EXCEPTION_HANDLER": "portfolio_shared.errors.drf.exception_handler",
            "DEFAULT_AUTHENTICATION_CLASSES": [],
            "UNAUTHENTICATED_USER": None,
        }
    ):
        yield


class Item(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=5)
    count = serializers.IntegerField(min_value=0)


class NeverThrottle(BaseThrottle):
    def allow_request(self, request: Request, view: APIView) -> bool:
        return False

    def wait(self) -> float:
        return 41.2


class Items(APIView):
    def get(self, request: Request) -> Response:
        what = request.query_params.get("raise")
        if what == "404":
            raise Http404("secret path detail")
        if what == "rate":
            raise RateLimited("slow down", retry_after=7)
        if what == "down":
            raise ServiceUnavailable("documents is down", code="upstream_unreachable")
        if what == "crash":
            raise RuntimeError("internal detail that must not leak")
        return Response({"ok": True})

    def post(self, request: Request) -> Response:
        Item(data=request.data).is_valid(raise_exception=True)
        return Response({"ok": True})


class Throttled(APIView):
    throttle_classes = [NeverThrottle]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


def call(view: Any, method: str = "get", path: str = "/items", **kwargs: Any) -> Response:
    request = getattr(APIRequestFactory(), method)(path, **kwargs)
    response: Response = view.as_view()(request)
    response.render()
    return response


def error(response: Response) -> dict[str, Any]:
    body: dict[str, Any] = response.data
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def test_validation_errors_are_422_with_every_field() -> None:
    response = call(Items, "post", data={"name": "too long", "count": -1}, format="json")
    assert response.status_code == 422
    body = error(response)
    assert body["code"] == "validation_error"
    assert set(body["details"]["fields"]) == {"name", "count"}


def test_malformed_json_is_400_invalid_json() -> None:
    response = call(Items, "post", data=b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_json"


def test_django_404_becomes_the_envelope_without_its_detail() -> None:
    response = call(Items, data={"raise": "404"})
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
    assert "secret" not in str(response.data)


def test_wrong_method_is_405_with_allow() -> None:
    response = call(Items, "delete")
    assert response.status_code == 405
    assert error(response)["code"] == "method_not_allowed"
    assert set(response["Allow"].split(", ")) >= {"GET", "POST"}


def test_portfolio_errors_keep_status_code_and_headers() -> None:
    limited = call(Items, data={"raise": "rate"})
    assert (limited.status_code, error(limited)["code"], limited["Retry-After"]) == (429, "rate_limited", "7")
    down = call(Items, data={"raise": "down"})
    assert (down.status_code, error(down)["code"]) == (503, "upstream_unreachable")


def test_throttling_is_429_with_retry_after() -> None:
    response = call(Throttled)
    assert response.status_code == 429
    assert error(response)["code"] == "rate_limited"
    assert response["Retry-After"] == "42"


def test_an_unexpected_exception_is_a_500_envelope_that_leaks_nothing() -> None:
    response = call(Items, data={"raise": "crash"})
    assert response.status_code == 500
    assert error(response) == {"code": "internal_error", "message": "Internal server error.", "details": {}}


def test_unsupported_media_type_is_415() -> None:
    response = call(Items, "post", data="name=x", content_type="text/plain")
    assert response.status_code == 415
    assert error(response)["code"] == "unsupported_media_type"
