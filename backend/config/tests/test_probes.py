"""``/ready`` and ``/internal/metrics`` are public on the public host: cheap, and no exception text."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from config import readiness
from portfolio_shared.django import views
from portfolio_shared.health import postgres_check

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_probe_answers() -> Iterator[None]:
    views._probe_cache.clear()
    yield
    views._probe_cache.clear()


def test_a_failing_check_names_the_kind_of_failure_not_its_message(
    api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_user = f"user{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(
        readiness, "database", lambda: postgres_check(f"postgresql://{secret_user}@127.0.0.1:1/private_db")
    )
    response = api.get("/ready")
    assert response.status_code == 503
    check = response.json()["error"]["details"]["checks"]["postgres"]
    assert check == {"ok": False, "detail": "OperationalError"}
    for leaked in (secret_user, "private_db", "127.0.0.1", "port", "connection"):
        assert leaked not in response.content.decode()


def test_readiness_runs_its_checks_at_most_once_per_cache_period(
    api: APIClient, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PROBE_CACHE_SECONDS = 60
    runs: list[int] = []
    real = readiness.database

    def counted() -> Any:
        runs.append(1)
        return real()

    monkeypatch.setattr(readiness, "database", counted)
    for _ in range(20):
        assert api.get("/ready").status_code == 200
    assert len(runs) == 1


def test_metrics_are_rendered_at_most_once_per_cache_period(api: APIClient, settings: Any) -> None:
    settings.PROBE_CACHE_SECONDS = 60
    first = api.get("/internal/metrics").content
    for _ in range(5):
        api.get("/health")  # counted by the metrics middleware...
    assert api.get("/internal/metrics").content == first  # ...but the page is the cached one
    settings.PROBE_CACHE_SECONDS = 0
    assert api.get("/internal/metrics").content != first
