"""pytest-django runs core's tests against a real Postgres test database (test_portfolio_core...)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def owner(client: Client, django_user_model: Any) -> Any:
    """The site's owner (a superuser), logged in on ``client``."""
    user = django_user_model.objects.create_superuser("owner", "owner@example.org", "pw")
    client.force_login(user)
    return user
