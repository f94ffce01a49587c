"""The admin login is throttled per (username, address) against password guessing (real Redis)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from config.admin_site import LOCKOUT_MESSAGE
from core_lib.testing import unusable_redis

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(django_user_model):  # type: ignore[no-untyped-def]
    # A unique name: the counters live in the shared Redis, keyed by username and address.
    return django_user_model.objects.create_superuser(
        f"owner-{uuid.uuid4().hex[:8]}", "o@example.org", "right-pw"
    )


def attempt(client: Client, username: str, password: str, address: str = "203.0.113.7"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("admin:login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_the_login_locks_after_too_many_failures_even_for_the_right_password(
    client: Client, owner: Any, settings: Any
) -> None:
    for _ in range(settings.ADMIN_LOGIN_MAX_FAILURES):
        failed = attempt(client, owner.username, "wrong")
        assert failed.status_code == 200  # the form with its error
    locked = attempt(client, owner.username, "right-pw")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == settings.ADMIN_LOGIN_LOCKOUT_SECONDS
    assert LOCKOUT_MESSAGE in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_username_and_address(client: Client, owner, settings) -> None:  # type: ignore[no-untyped-def]
    for _ in range(settings.ADMIN_LOGIN_MAX_FAILURES):
        attempt(client, owner.username, "wrong", address="198.51.100.1")
    # The owner, from another address, still gets in.
    success = attempt(client, owner.username, "right-pw", address="192.0.2.44")
    assert success.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_a_success_before_the_limit_clears_the_count(client: Client, owner, settings) -> None:  # type: ignore[no-untyped-def]
    for _ in range(settings.ADMIN_LOGIN_MAX_FAILURES - 1):
        attempt(client, owner.username, "wrong")
    assert attempt(client, owner.username, "right-pw").status_code == 302
    client.logout()
    for _ in range(settings.ADMIN_LOGIN_MAX_FAILURES - 1):
        assert attempt(client, owner.username, "wrong").status_code == 200
    assert attempt(client, owner.username, "right-pw").status_code == 302


def test_the_login_page_itself_is_not_throttled(client: Client, owner, settings) -> None:  # type: ignore[no-untyped-def]
    for _ in range(settings.ADMIN_LOGIN_MAX_FAILURES):
        attempt(client, owner.username, "wrong")
    assert client.get(reverse("admin:login")).status_code == 200


def test_behind_a_proxy_the_lock_is_per_forwarded_client_not_per_proxy(
    client: Client, owner: Any, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.8.0.2"  # every request reaches core from the same front end

    def through_proxy(password: str, visitor: str):  # type: ignore[no-untyped-def]
        return client.post(
            reverse("admin:login"),
            {"username": owner.username, "password": password},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=visitor,
        )

    for _ in range(settings.ADMIN_LOGIN_MAX_FAILURES):
        assert through_proxy("wrong", "198.51.100.66").status_code == 200
    assert through_proxy("right-pw", "198.51.100.66").status_code == 429
    # The owner, from another network but through the same proxy, still gets in.
    success = through_proxy("right-pw", "192.0.2.10")
    assert success.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


@pytest.mark.parametrize("failure", ["closed port", "silent server"])
def test_with_redis_unreachable_the_owner_still_logs_in(
    client: Client, owner: Any, settings: Any, failure: str
) -> None:
    with unusable_redis(failure) as url:
        settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": url}}
        started = time.monotonic()
        assert attempt(client, owner.username, "wrong").status_code == 200
        success = attempt(client, owner.username, "right-pw")
        elapsed = time.monotonic() - started
    assert success.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)
    assert elapsed < 8  # two attempts, each at most a few cache calls bounded by the socket timeouts


def test_weak_passwords_are_refused() -> None:
    for weak in ("admin", "password1234", "123456789012", "short-Pw1"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("correct horse battery staple")
