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


def summary_reply(request: Received) -> Reply:
    """What analytics answers for the query: its range and filter echoed; a range starting before
    2001 refused as its retention check would."""
    query = {name: values[0] for name, values in request.query.items()}
    if query.get("from", "9999") < "2001-01-01":
        message = "The range starts on 2000-01-01, before 2025-11-03: aggregates are kept 400 days."
        return Reply(
            422,
            {
                "error": {
                    "code": "validation_error",
                    "message": message,
                    "details": {"errors": [{"loc": ["query", "from"], "msg": message, "type": "retention"}]},
                }
            },
        )
    body: dict[str, Any] = {**SUMMARY_BODY, "period": query.get("period", "7d")}
    if "from" in query:
        body.update({"period": "custom", "from": query["from"], "to": query.get("to", body["to"])})
    if "filter" in query:
        kind, _, value = query["filter"].partition(":")
        body["filter"] = {"kind": kind, "value": value}
    return Reply(200, body)


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
        return summary_reply(request)
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
    cache.delete(selectors.analytics_summary_key({"period": "30d"}))
    first = api.get(SUMMARY, {"period": "30d"})
    assert first.status_code == 200, first.content
    body = first.json()
    assert body == {**SUMMARY_EXAMPLE, "period": "30d"}  # passed through whole, comparison included
    assert api.get(SUMMARY, {"period": "30d"}).json() == body
    assert [(r.path, r.query) for r in upstream.requests] == [("/metrics/summary", {"period": ["30d"]})]


def test_a_custom_range_and_a_filter_are_forwarded(api: APIClient, upstream: StandIn, staff: object) -> None:
    page = unique("/papers/")
    query = {"from": "2026-01-01", "to": "2026-01-31", "filter": f"page:{page}"}
    response = api.get(SUMMARY, query)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["period"], body["from"], body["to"]) == ("custom", "2026-01-01", "2026-01-31")
    assert body["filter"] == {"kind": "page", "value": page}
    (sent,) = upstream.requests
    assert (sent.path, sent.query) == ("/metrics/summary", {name: [value] for name, value in query.items()})


def test_a_filter_value_keeps_every_colon_after_its_kind(
    api: APIClient, upstream: StandIn, staff: object
) -> None:
    value = unique("/a:b?c=d&e ") + ":"
    response = api.get(SUMMARY, {"filter": f"page:{value}"})
    assert response.status_code == 200, response.content
    assert response.json()["filter"] == {"kind": "page", "value": value}
    assert upstream.requests[0].query == {"filter": [f"page:{value}"]}


def test_the_cache_key_holds_every_parameter(api: APIClient, upstream: StandIn, staff: object) -> None:
    country = unique("country:")
    reads = [
        {"from": "2026-01-01", "to": "2026-01-07", "filter": country},
        {"from": "2026-01-01", "to": "2026-01-07", "filter": country},  # cached
        {"from": "2026-01-01", "to": "2026-01-08", "filter": country},
        {"from": "2026-01-02", "to": "2026-01-08", "filter": country},
        {"from": "2026-01-02", "to": "2026-01-08", "filter": country + "x"},
        {"period": "7d", "filter": country},
        {"period": "30d", "filter": country},
        {"period": "30d", "filter": country},  # cached
    ]
    answers = [api.get(SUMMARY, query) for query in reads]
    assert [a.status_code for a in answers] == [200] * len(reads)
    assert len(upstream.requests) == 6
    assert [r.query for r in upstream.requests] == [
        {name: [value] for name, value in query.items()} for query in [reads[0], *reads[2:7]]
    ]
    assert answers[1].json() == answers[0].json()
    assert answers[2].json()["to"] == "2026-01-08"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"period": "24h"}, "period"),
        ({"period": ""}, "period"),
        ({"from": "2026-1-1"}, "from"),
        ({"from": "2026-02-30"}, "from"),
        ({"from": "2026-01-01", "to": "tomorrow"}, "to"),
        ({"to": "2026-01-01"}, "from"),
        ({"period": "7d", "from": "2026-01-01"}, "period"),
        ({"from": "2026-01-05", "to": "2026-01-01"}, "from"),
        ({"filter": "country"}, "filter"),
        ({"filter": "city:Berlin"}, "filter"),
        ({"filter": "country:"}, "filter"),
        ({"filter": "page:/" + "x" * 300}, "filter"),
    ],
)
def test_a_bad_summary_query_is_422_and_not_sent(
    api: APIClient, upstream: StandIn, staff: object, query: dict[str, str], field: str
) -> None:
    response = api.get(SUMMARY, query)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["details"]["fields"]) == [field]
    assert upstream.requests == []


def test_the_services_own_422_is_passed_through(api: APIClient, upstream: StandIn, staff: object) -> None:
    # A range before the retention: only the service knows its retention, so core forwards and relays.
    response = api.get(SUMMARY, {"from": "2000-01-01", "filter": unique("topic:")})
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"]["errors"][0]["type"] == "retention"
    assert len(upstream.requests) == 1


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
    assert api.get(SUMMARY, {"filter": unique("topic:")}).status_code == 200


def test_analytics_down_is_a_503(api: APIClient, staff, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ANALYTICS_URL = closed_port_url()
    response = api.get(SUMMARY, {"filter": unique("topic:")})
    assert response.status_code == 503
    assert response.json()["error"]["details"]["service"] == "analytics"
