"""A Redis that accepts connections and never answers costs core's requests little, never a hang.

Every Redis use of core (the public-read limit, the papers cache, the proxies' cache, the chatbot's
memory, the admin throttle) degrades without it: each cache call gives up within 0.5 s (its socket
timeouts), and a request makes two or three of them.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from rest_framework.test import APIClient

from core_lib.testing import Reply, stand_in, unusable_redis
from papers.tests.conftest import payload, store

pytestmark = pytest.mark.django_db

#: Two or three cache calls of at most 0.5 s each, with room for the request's own work.
BOUND_S = 2.0


@pytest.fixture
def silent_cache(api: APIClient, settings: Any) -> Any:
    # The process's first request imports the URLconf's views (a second or so): not Redis's cost.
    assert api.get("/health").status_code == 200
    assert api.get("/api/papers/?page_size=1").status_code == 200
    with unusable_redis("silent server") as url:
        settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": url}}
        settings.PAPERS_CACHE_SECONDS = 60
        settings.PUBLIC_READ_RATE_LIMIT = 100
        yield url


def timed_get(api: APIClient, path: str) -> tuple[Any, float]:
    started = time.monotonic()
    response = api.get(path)
    return response, time.monotonic() - started


def test_papers_are_served_uncached_within_the_bound(api: APIClient, silent_cache: str) -> None:
    store(payload("2401.00001", title="Served anyway"))
    response, elapsed = timed_get(api, "/api/papers/")
    assert response.status_code == 200
    assert [p["title"] for p in response.json()["results"]] == ["Served anyway"]
    assert elapsed < BOUND_S, elapsed


def test_the_scrape_status_proxy_reads_the_upstream_within_the_bound(
    api: APIClient, silent_cache: str, settings: Any
) -> None:
    job = {
        "id": "job-1",
        "state": "succeeded",
        "source": "all",
        "days": 1,
        "progress": 100,
        "counts": {"fetched": 1, "new": 1, "updated": 0, "skipped": 0, "failed": 0},
        "sources": {},
        "errors": [],
    }
    with stand_in(lambda request: Reply(200, job)) as scraper:
        settings.SCRAPER_URL = scraper.url
        response, elapsed = timed_get(api, "/api/papers/scrape-status/")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == "job-1"
    assert elapsed < BOUND_S, elapsed
