"""The scrape-status and analytics-summary proxies against stand-in upstreams.

The stand-ins (core_lib.testing.StandIn, real local HTTP servers) answer in DESIGN.md's shapes: the
scraper's and analytics' endpoints do not exist yet (issues 4 and 6), so core is tested against
fakes of those upstreams; once they exist, a cross-service test should replace them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import resolve
from rest_framework.test import APIClient

from core_lib.testing import Received, Reply, StandIn, closed_port_url
from insights import selectors
from insights.api.views import ScrapeStatusView
from portfolio_shared.auth import dev_signing_key, verify_token
from portfolio_shared.schemas.analytics import SUMMARY_EXAMPLE

pytestmark = pytest.mark.django_db

SCRAPE_STATUS = "/api/papers/scrape-status/"
SUMMARY = "/api/analytics/summary/"


def scrape_job(job_id: str) -> dict[str, object]:
    return {
        "id": job_id,
        "state": "running",
        "source": "all",
        "days": 1,
        "progress": 50,
        "counts": {"fetched": 120, "new": 30, "updated": 5, "skipped": 85, "failed": 0},
        "sources": {"arxiv": {"state": "succeeded", "progress": 100, "counts": {"fetched": 120}}},
        "errors": [],
    }


#: What analytics answers, in its real shape (the shared model's example; the stand-in sets ``period``).
SUMMARY_BODY = SUMMARY_EXAMPLE


def upstream_route(request: Received) -> Reply:
    if request.path == "/scrape/status":
        job_id = request.query.get("job_id", ["latest-job"])[0]
        if job_id.startswith("missing"):
            return Reply(
                404, {"error": {"code": "scrape_job_not_found", "message": "no such job", "details": {}}}
            )
        if job_id.startswith("broken"):
            return Reply(500, {"error": {"code": "internal_error", "message": "boom", "details": {}}})
        return Reply(200, scrape_job(job_id))
    if request.path == "/metrics/summary":
        return Reply(200, {**SUMMARY_BODY, "period": request.query["period"][0]})
    return Reply(404, {"error": {"code": "not_found", "message": "?", "details": {}}})


@pytest.fixture
def upstream(settings) -> Iterator[StandIn]:  # type: ignore[no-untyped-def]
    with StandIn(upstream_route) as server:
        settings.SCRAPER_URL = settings.ANALYTICS_URL = server.url
        yield server


@pytest.fixture
def staff(api: APIClient, django_user_model):  # type: ignore[no-untyped-def]
    user = django_user_model.objects.create_user(f"staff-{uuid.uuid4().hex[:6]}", is_staff=True)
    api.force_login(user)
    return user


def unique(prefix: str) -> str:
    # Cache keys include the query: a fresh one per test so no cached answer leaks between tests.
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def test_scrape_status_is_matched_before_the_papers_detail_route() -> None:
    assert resolve(SCRAPE_STATUS).func.view_class is ScrapeStatusView


def test_scrape_status_proxies_the_job_and_passes_job_id(api: APIClient, upstream: StandIn) -> None:
    job_id = unique("job-")
    response = api.get(SCRAPE_STATUS, {"job_id": job_id})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["state"], body["progress"]) == (job_id, "running", 50)
    assert body["counts"]["new"] == 30
    assert body["sources"]["arxiv"]["state"] == "succeeded"

    (sent,) = upstream.requests
    assert (sent.path, sent.query) == ("/scrape/status", {"job_id": [job_id]})
    principal = verify_token(
        sent.headers["authorization"].removeprefix("Bearer "),
        audience="scraper",
        keys={"core": [dev_signing_key("core").public()]},
    )
    assert principal.caller == "core"
    assert sent.headers["x-request-id"] == response["X-Request-ID"]


def test_scrape_status_without_job_id_asks_for_the_latest(api: APIClient, upstream: StandIn) -> None:
    cache.delete("insights:scrape-status:latest")
    assert api.get(SCRAPE_STATUS).json()["id"] == "latest-job"
    assert upstream.requests[0].query == {}


def test_a_second_read_is_served_from_the_cache(api: APIClient, upstream: StandIn) -> None:
    job_id = unique("job-")
    first = api.get(SCRAPE_STATUS, {"job_id": job_id})
    second = api.get(SCRAPE_STATUS, {"job_id": job_id})
    assert first.json() == second.json()
    assert len(upstream.requests) == 1
    # Another query is another cache entry.
    api.get(SCRAPE_STATUS, {"job_id": unique("job-")})
    assert len(upstream.requests) == 2


def test_an_upstream_4xx_is_passed_through_as_the_envelope(api: APIClient, upstream: StandIn) -> None:
    job_id = unique("missing-")
    response = api.get(SCRAPE_STATUS, {"job_id": job_id})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "scrape_job_not_found"


@pytest.mark.parametrize(("prefix", "status"), [("missing-", 404), ("broken-", 502)])
def test_a_miss_or_an_upstream_error_is_remembered_briefly(
    api: APIClient, upstream: StandIn, monkeypatch: pytest.MonkeyPatch, prefix: str, status: int
) -> None:
    monkeypatch.setattr(selectors, "FAILURE_TTL", 1)
    job_id = unique(prefix)
    first = api.get(SCRAPE_STATUS, {"job_id": job_id})
    again = api.get(SCRAPE_STATUS, {"job_id": job_id})
    assert (first.status_code, again.status_code) == (status, status)
    assert again.json() == first.json()
    assert len(upstream.requests) == 1  # a burst of the same miss costs the scraper one call
    time.sleep(1.2)
    assert api.get(SCRAPE_STATUS, {"job_id": job_id}).status_code == status
    assert len(upstream.requests) == 2  # then it is asked again


def test_an_upstream_5xx_is_a_502(api: APIClient, upstream: StandIn) -> None:
    response = api.get(SCRAPE_STATUS, {"job_id": unique("broken-")})
    assert response.status_code == 502
    assert "error" in response.json()


def test_an_upstream_that_is_down_is_a_503_envelope(api: APIClient, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SCRAPER_URL = closed_port_url()
    response = api.get(SCRAPE_STATUS, {"job_id": unique("job-")})
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "upstream_unreachable"
    assert error["details"]["service"] == "scraper"


def test_an_upstream_that_does_not_answer_in_time_is_a_503(api: APIClient, settings) -> None:  # type: ignore[no-untyped-def]
    def silent(request: Received) -> Reply:
        server.release.wait(30)  # released when the stand-in stops
        return Reply(200, scrape_job("late"))

    with StandIn(silent) as server:
        settings.SCRAPER_URL = server.url
        settings.PROXY_DEADLINE_SECONDS = 0.3
        response = api.get(SCRAPE_STATUS, {"job_id": unique("job-")})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "upstream_timeout"


def test_an_invalid_job_id_is_422_and_not_sent(api: APIClient, upstream: StandIn) -> None:
    response = api.get(SCRAPE_STATUS, {"job_id": "../../etc"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert upstream.requests == []


def test_the_analytics_summary_is_proxied_with_its_period_and_cached(
    api: APIClient, upstream: StandIn, staff: object
) -> None:
    period = unique("d")
    first = api.get(SUMMARY, {"period": period})
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["period"] == period
    assert body == {**SUMMARY_EXAMPLE, "period": period}  # passed through whole, comparison included
    assert api.get(SUMMARY, {"period": period}).json() == body
    assert [(r.path, r.query) for r in upstream.requests] == [("/metrics/summary", {"period": [period]})]


def test_the_analytics_summary_is_guarded_like_the_dashboard(
    api: APIClient, upstream: StandIn, django_user_model: Any, settings: Any
) -> None:
    anonymous = api.get(SUMMARY)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "login_required"
    api.force_login(django_user_model.objects.create_user("visitor"))
    assert api.get(SUMMARY).json()["error"]["code"] == "staff_only"
    assert upstream.requests == []

    settings.ANALYTICS_DASHBOARD_PUBLIC = True
    api.logout()
    assert api.get(SUMMARY, {"period": unique("d")}).status_code == 200


def test_analytics_down_is_a_503(api: APIClient, staff, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ANALYTICS_URL = closed_port_url()
    response = api.get(SUMMARY, {"period": unique("d")})
    assert response.status_code == 503
    assert response.json()["error"]["details"]["service"] == "analytics"
