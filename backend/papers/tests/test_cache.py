"""The papers response cache: served until a write commits, then rendered afresh; Redis down is harmless."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.conf import settings
from redis import Redis
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


def cached_pages() -> list[bytes]:
    """This test's page entries, read from Redis itself."""
    client = Redis.from_url(settings.CACHES["default"]["LOCATION"])
    try:
        return list(client.scan_iter(match=f"*{cache.NAMESPACE}:page:*", count=1000))
    finally:
        client.close()


def test_parameters_no_view_reads_create_no_entries(api: APIClient) -> None:
    store(payload("2401.00001", title="Cached once"))
    for _ in range(25):
        response = api.get(f"/api/papers/?cb={uuid.uuid4().hex}&page_size=10")
        assert response.status_code == 200
        assert "cb=" not in (response.json()["next"] or "")
    api.get(f"/api/papers/feed.xml?cb={uuid.uuid4().hex}")
    api.get(f"/api/papers/feed.xml?_={uuid.uuid4().hex}")
    api.get(f"/api/papers/2401.00001/?cb={uuid.uuid4().hex}")
    api.get(f"/api/papers/2401.00001/?cb={uuid.uuid4().hex}")
    assert len(cached_pages()) == 3  # the list, the feed, the detail


def test_the_order_of_accepted_parameters_makes_one_entry(api: APIClient) -> None:
    store(payload("2401.00001", title="Graph networks"))
    assert titles(api, "/api/papers/?search=graph&page_size=5") == ["Graph networks"]
    assert titles(api, "/api/papers/?page_size=5&search=graph") == ["Graph networks"]
    assert len(cached_pages()) == 1


def test_pagination_links_carry_only_accepted_parameters(api: APIClient) -> None:
    store(*(payload(f"2401.{n:05d}", title=f"Paper {n}") for n in range(1, 4)))
    body = api.get("/api/papers/?page_size=1&utm_source=mail&search=paper").json()
    assert body["next"].endswith("/api/papers/?page=2&page_size=1&search=paper")


def test_values_the_view_does_not_read_create_no_entries(api: APIClient) -> None:
    store(payload("2401.00001", title="Cached once"))
    for _ in range(10):
        # The view reads the last value of a repeated parameter and ignores the version suffix.
        listed = api.get(f"/api/papers/?ordering={uuid.uuid4().hex}&ordering=-relevance")
        assert listed.status_code == 200
        assert titles(api, f"/api/papers/?page_size={uuid.uuid4().int % 99 + 1}&page_size=20") == [
            "Cached once"
        ]
        detail = api.get(f"/api/papers/2401.00001v{uuid.uuid4().int % 10**9}/")
        assert detail.json()["title"] == "Cached once"
        # A page size is read as its value, however many leading zeros it carries.
        zeros = "0" * (uuid.uuid4().int % 50 + 1)
        assert titles(api, f"/api/papers/?page_size={zeros}20") == ["Cached once"]
    assert len(cached_pages()) == 3  # ?ordering=-relevance, ?page_size=20, the version-less detail


def test_a_text_parameter_of_zeros_keeps_its_length(api: APIClient) -> None:
    """Only page numbers lose leading zeros: a topic of zeros past its maximum length stays a 422,
    never the cached answer for ``topic=0``."""
    assert api.get("/api/papers/?topic=0").status_code == 200
    assert api.get("/api/papers/?topic=" + "0" * 101).status_code == 422


def test_published_before_is_part_of_the_key(api: APIClient) -> None:
    store(
        payload("2401.00001", title="Monday", published="2026-11-16T10:00:00Z"),
        payload("2401.00002", title="Tuesday", published="2026-11-17T10:00:00Z", relevance=10),
    )
    assert titles(api, "/api/papers/?published_before=2026-11-17") == ["Monday"]
    assert titles(api, "/api/papers/?published_before=2026-11-18") == ["Monday", "Tuesday"]
    assert titles(api, "/api/papers/?published_after=2026-11-17&published_before=2026-11-18") == ["Tuesday"]
    assert len(cached_pages()) == 3


def test_facets_are_cached_on_their_filters_and_invalidated_by_writes(api: APIClient) -> None:
    store(payload("2401.00001", topics=["LLM"], published="2026-11-16T10:00:00Z"))
    for _ in range(3):
        assert api.get(f"/api/papers/facets/?cb={uuid.uuid4().hex}").json()["total"] == 1
        day = api.get("/api/papers/facets/?published_before=2026-11-17&ordering=-relevance")
        assert day.status_code == 200 and day.json()["total"] == 1  # ordering is no facets parameter
    assert len(cached_pages()) == 2
    store(payload("2401.00002", topics=["LLM"], published="2026-11-18T10:00:00Z"))
    assert api.get("/api/papers/facets/").json()["topics"] == [{"value": "LLM", "count": 2}]
    assert api.get("/api/papers/facets/?published_before=2026-11-17").json()["total"] == 1
