"""The admin login is throttled per (username, address) against password guessing (real Redis)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from config.admin_site import LOCKOUT_MESSAGE

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
