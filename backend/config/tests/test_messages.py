"""The message storage is built only for a request that uses messages (config.middleware)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from config import middleware

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The path of each request whose message storage was built."""
    paths: list[str] = []
    original = middleware.default_storage

    def counting(request: Any) -> Any:
        paths.append(request.path)
        return original(request)

    monkeypatch.setattr(middleware, "default_storage", counting)
    return paths


def test_a_public_read_builds_no_message_storage(api: APIClient, built: list[str]) -> None:
    assert api.get("/api/papers/").status_code == 200
    assert built == []


def test_the_admin_still_shows_its_messages(client: Any, built: list[str], settings: Any) -> None:
    admin = User.objects.create_superuser("owner", "owner@example.com", "pw")
    client.force_login(admin)
    url = f"/{settings.ADMIN_PATH}auth/user/{admin.pk}/change/"
    form = {
        **{"username": "owner", "email": "o@example.com", "is_active": "on", "is_staff": "on"},
        **{"is_superuser": "on", "last_login_0": "", "last_login_1": ""},
        **{"date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"},
    }
    response = client.post(url, form, follow=True)
    assert response.status_code == 200
    assert any("was changed successfully" in str(m) for m in response.context["messages"])
    assert built  # built where the admin added and read its message
