"""pytest-django runs core's tests against a real Postgres test database (test_portfolio_core...)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api() -> APIClient:
    return APIClient()
