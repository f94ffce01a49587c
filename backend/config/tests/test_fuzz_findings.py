"""What the schema fuzzing (tests/fuzz) found in core, replayed: no 500 for a huge page, a page size
or an empty value the schema forbids refused (422), and a project's missing URLs as ``null``."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from rest_framework.test import APIClient

from content.tests.support import make_entry, make_project, make_tech
from papers.tests.conftest import payload, store

pytestmark = pytest.mark.django_db


def status_and_code(response: Any) -> tuple[int, str | None]:
    body = response.json()
    return response.status_code, body.get("error", {}).get("code") if isinstance(body, dict) else None


@pytest.mark.parametrize("search", ["", "language"])
def test_a_huge_page_is_a_404_not_a_500(api: APIClient, search: str) -> None:
    store(payload("2401.00001", title="Language models"))
    for page in ("452076836027109504", "9223372036854775807", str(2**70)):
        response = api.get("/api/papers/", {"page": page, "search": search})
        assert status_and_code(response) == (404, "not_found"), (page, response.content)


@pytest.mark.parametrize(
    "url", ["/api/papers/", "/api/papers/?search=x", "/api/tech-stack/", "/api/journey/"]
)
def test_an_empty_page_is_a_404_not_page_one(api: APIClient, url: str) -> None:
    make_tech("Tool")
    response = api.get(url + ("&" if "?" in url else "?") + "page=")
    assert status_and_code(response) == (404, "not_found"), response.content


@pytest.mark.parametrize("url", ["/api/papers/", "/api/projects/", "/api/tech-stack/", "/api/journey/"])
@pytest.mark.parametrize("size", ["null", "", "0", "-5", "ten"])
def test_a_page_size_that_is_not_a_positive_integer_is_422(api: APIClient, url: str, size: str) -> None:
    response = api.get(url, {"page_size": size})
    assert status_and_code(response) == (422, "invalid_parameter"), response.content


def test_a_page_size_over_the_cap_is_still_clamped(api: APIClient) -> None:
    for index in range(3):
        make_tech(f"Tool {index}")
    body = api.get("/api/tech-stack/", {"page_size": "100000"}).json()
    assert body["count"] == 3 and len(body["results"]) == 3


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/papers/", "topic"),
        ("/api/papers/", "ordering"),
        ("/api/papers/", "source"),
        ("/api/papers/", "tag"),
        ("/api/papers/", "category"),
        ("/api/papers/", "has_code"),
        ("/api/papers/feed.xml", "topic"),
        ("/api/papers/feed.xml", "format"),
        ("/api/journey/", "kind"),
        ("/api/projects/", "ordering"),
        ("/api/projects/", "featured"),
        ("/api/papers/scrape-status/", "job_id"),
    ],
)
def test_an_empty_value_the_schema_forbids_is_422(api: APIClient, url: str, parameter: str) -> None:
    response = api.get(f"{url}?{parameter}=")
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] in {"validation_error", "invalid_parameter"}


def test_an_empty_period_of_the_analytics_summary_is_422(api: APIClient, django_user_model: Any) -> None:
    api.force_login(django_user_model.objects.create_user(f"staff-{uuid.uuid4().hex[:6]}", is_staff=True))
    response = api.get("/api/analytics/summary/?period=")
    assert status_and_code(response) == (422, "validation_error"), response.content


def test_an_empty_search_is_still_no_search(api: APIClient) -> None:
    store(payload("2401.00001"))
    assert api.get("/api/papers/?search=").json()["count"] == 1


@pytest.mark.parametrize("topic", ["\x04", "a\x00b", "x\x1fy"])
def test_a_control_character_in_the_feeds_topic_is_422_not_500(api: APIClient, topic: str) -> None:
    response = api.get("/api/papers/feed.xml", {"topic": topic})
    assert status_and_code(response) == (422, "validation_error"), response.content


@pytest.mark.parametrize(
    ("url", "parameter"), [("/api/tech-stack/", "category"), ("/api/projects/", "technology")]
)
def test_nul_in_a_text_filter_is_422_not_500(api: APIClient, url: str, parameter: str) -> None:
    response = api.get(url, {parameter: "a\x00b"})
    assert status_and_code(response) == (422, "invalid_parameter"), response.content


def test_a_projects_missing_urls_are_null_and_the_schema_says_so(api: APIClient) -> None:
    make_project("bare", repository_url="", demo_url="")
    make_project("linked", repository_url="https://github.com/a/b", demo_url="https://demo.test/")
    listed = {p["slug"]: p for p in api.get("/api/projects/").json()["results"]}
    assert (listed["bare"]["repository_url"], listed["bare"]["demo_url"]) == (None, None)
    assert listed["linked"]["demo_url"] == "https://demo.test/"
    detail = api.get("/api/projects/bare/").json()
    assert (detail["repository_url"], detail["demo_url"]) == (None, None)
    schemas = api.get("/api/schema/?format=json").json()["components"]["schemas"]
    for name in ("ProjectList", "ProjectDetail"):
        for field in ("repository_url", "demo_url"):
            assert schemas[name]["properties"][field] | {"readOnly": True} == {
                "type": "string",
                "format": "uri",
                "nullable": True,
                "readOnly": True,
                "description": "null when there is none.",
            }


def test_journey_kind_still_filters(api: APIClient) -> None:
    make_entry("Job", kind="work")
    make_entry("Degree", kind="education")
    assert [e["title"] for e in api.get("/api/journey/?kind=education").json()["results"]] == ["Degree"]
