"""The papers response cache: served until a write commits, then rendered afresh; Redis down is harmless."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from papers import cache
from papers.models import Paper
from papers.tests.conftest import payload, store

pytestmark = pytest.mark.django_db(transaction=True)  # invalidation happens on commit


@pytest.fixture(autouse=True)
def _cache_on(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.PAPERS_CACHE_SECONDS = 60
    monkeypatch.setattr(cache, "NAMESPACE", f"papers-test-{uuid.uuid4().hex}")


def titles(api: APIClient, url: str = "/api/papers/") -> list[str]:
    return [p["title"] for p in api.get(url).json()["results"]]


def test_a_cached_page_is_served_until_papers_change(api: APIClient) -> None:
    store(payload("2401.00001", title="First"))
    assert titles(api) == ["First"]
    # A write that bypasses the app (no invalidation) proves the next read came from the cache.
    Paper.objects.filter(arxiv_id="2401.00001").update(title="Sneaky")
    assert titles(api) == ["First"]
    store(payload("2401.00002", title="Second", relevance=10))  # the upsert invalidates
    assert titles(api) == ["Sneaky", "Second"]


def test_saving_or_hiding_a_paper_invalidates(api: APIClient) -> None:
    (paper,) = store(payload("2401.00001", title="Visible"))
    assert api.get("/api/papers/2401.00001/").status_code == 200
    assert titles(api) == ["Visible"]
    paper.hidden = True
    paper.save()
    assert titles(api) == []
    assert api.get("/api/papers/2401.00001/").status_code == 404


def test_queries_are_cached_separately(api: APIClient) -> None:
    store(payload("2401.00001", title="Graph networks"), payload("2401.00002", title="Diffusion"))
    assert titles(api, "/api/papers/?search=graph") == ["Graph networks"]
    assert titles(api, "/api/papers/?search=diffusion") == ["Diffusion"]
    for _ in range(2):  # rendered, then served from the cache: same body, same type
        feed = api.get("/api/papers/feed.xml")
        assert feed["Content-Type"].startswith("application/atom+xml")
        assert b"Graph networks" in feed.content


def test_errors_are_not_cached(api: APIClient) -> None:
    assert api.get("/api/papers/2401.00001/").status_code == 404
    store(payload("2401.00001"))
    assert api.get("/api/papers/2401.00001/").status_code == 200


def test_redis_down_only_costs_speed(api: APIClient, monkeypatch: pytest.MonkeyPatch) -> None:
    store(payload("2401.00001", title="Still served"))

    def down(*args: Any, **kwargs: Any) -> Any:
        raise RedisConnectionError("down")

    monkeypatch.setattr(cache.cache, "get_many", down)
    assert titles(api) == ["Still served"]
