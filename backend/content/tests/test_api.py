"""The public read API of the portfolio content: shapes, filters, ordering, 404s, absolute media URLs."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from rest_framework.test import APIClient

from content.models import Project
from content.sitemaps import ProjectSitemap
from content.tests.support import make_entry, make_profile, make_project, make_tech, png_bytes

pytestmark = pytest.mark.django_db


def get(api: APIClient, url: str, status: int = 200) -> Any:
    response = api.get(url)
    assert response.status_code == status, response.content
    return response.json()


def slugs(body: dict[str, Any]) -> list[str]:
    return [p["slug"] for p in body["results"]]


def test_profile_is_404_with_the_envelope_before_one_exists(api: APIClient) -> None:
    body = get(api, "/api/profile/", 404)
    assert body["error"]["code"] == "not_found" and body["error"]["message"]


def test_profile_shape_with_absolute_media_urls(api: APIClient) -> None:
    profile = make_profile(
        location="Bengaluru",
        links=[{"label": "GitHub", "url": "https://github.com/someone"}],
        bio="Hello **world**",
    )
    profile.photo.save("me.png", ContentFile(png_bytes()), save=False)
    profile.cv.save("cv.pdf", ContentFile(b"%PDF-1.4 cv"), save=False)
    profile.save()

    body = get(api, "/api/profile/")
    fields = {"name", "headline", "bio", "bio_html", "photo", "location", "links", "cv", "updated_at"}
    assert set(body) == fields
    assert body["name"] == "Vasu Kapoor" and body["location"] == "Bengaluru"
    assert body["bio"] == "Hello **world**" and body["bio_html"] == "<p>Hello <strong>world</strong></p>\n"
    assert body["links"] == [{"label": "GitHub", "url": "https://github.com/someone"}]
    assert body["photo"].startswith("http://testserver/media/profile/") and body["photo"].endswith(".png")
    assert body["cv"].startswith("http://testserver/media/profile/cv")
    # The URLs answer, in every environment: core serves its uploads itself, cacheably.
    photo = api.get(body["photo"].removeprefix("http://testserver"))
    assert photo.status_code == 200 and b"".join(photo.streaming_content) == png_bytes()
    assert photo["Cache-Control"] == "public, max-age=86400"
    assert api.get("/media/../config/settings/base.py").status_code in (400, 404)  # never the file


def test_profile_without_files_has_null_media(api: APIClient) -> None:
    make_profile()
    body = get(api, "/api/profile/")
    assert body["photo"] is None and body["cv"] is None and body["links"] == []


def test_tech_stack_is_a_flat_paginated_list_by_category_then_order(api: APIClient) -> None:
    make_tech("PyTorch", "ML & AI", proficiency=90, order=1, icon="pytorch")
    make_tech("scikit-learn", "ML & AI", order=0)
    make_tech("Docker", "Infrastructure")
    make_tech("C++", "Languages")

    body = get(api, "/api/tech-stack/")
    assert set(body) == {"count", "next", "previous", "results"} and body["count"] == 4
    assert [t["name"] for t in body["results"]] == ["Docker", "C++", "scikit-learn", "PyTorch"]
    pytorch = body["results"][3]
    assert pytorch == {
        "id": pytorch["id"],
        "name": "PyTorch",
        "slug": "pytorch",
        "category": "ML & AI",
        "proficiency": 90,
        "icon": "pytorch",
        "order": 1,
    }
    assert body["results"][1]["slug"] == "cplusplus"  # C++ keeps apart from C

    only_ml = get(api, "/api/tech-stack/?category=ml%20%26%20ai")
    assert [t["name"] for t in only_ml["results"]] == ["scikit-learn", "PyTorch"]


def test_tech_stack_pagination_honours_page_size_and_caps_it(api: APIClient) -> None:
    for i in range(5):
        make_tech(f"Tool {i}", "Tools", order=i)
    page = get(api, "/api/tech-stack/?page_size=2&page=2")
    assert page["count"] == 5 and [t["name"] for t in page["results"]] == ["Tool 2", "Tool 3"]
    assert page["next"].endswith("page=3&page_size=2") and page["previous"]
    assert len(get(api, "/api/tech-stack/?page_size=1000")["results"]) == 5
    assert get(api, "/api/tech-stack/?page=9", 404)["error"]["code"] == "not_found"


def test_journey_lists_entries_with_rendered_descriptions(api: APIClient) -> None:
    make_entry("Old job", start=date(2018, 1, 1), end=date(2019, 12, 31), order=1)
    make_entry("Current job", start=date(2022, 4, 1), description="Leads **search**.", order=0)
    make_entry(
        "M.Tech", kind="education", organisation="NIT", start=date(2016, 8, 1), end=date(2018, 6, 30), order=1
    )

    body = get(api, "/api/journey/")
    assert [e["title"] for e in body["results"]] == ["Current job", "Old job", "M.Tech"]
    current = body["results"][0]
    assert set(current) == {
        "id",
        "kind",
        "title",
        "organisation",
        "start",
        "end",
        "current",
        "description",
        "description_html",
        "order",
    }
    assert current["current"] is True and current["end"] is None and current["start"] == "2022-04-01"
    assert current["description_html"] == "<p>Leads <strong>search</strong>.</p>\n"
    assert body["results"][1]["current"] is False and body["results"][1]["end"] == "2019-12-31"
    assert [e["title"] for e in get(api, "/api/journey/?kind=education")["results"]] == ["M.Tech"]
    assert get(api, "/api/journey/?kind=hobby", 422)["error"]["details"]["parameter"] == "kind"


def test_projects_list_shape_and_detail_with_body(api: APIClient) -> None:
    torch = make_tech("PyTorch", icon="pytorch")
    project = make_project(
        "rag-assistant",
        title="RAG assistant",
        body="## Why\n\n<script>alert(1)</script>Grounded.",
        repository_url="https://github.com/someone/rag",
        demo_url="https://demo.test/rag",
        featured=True,
        technologies=(torch,),
    )
    project.image.save("shot.png", ContentFile(png_bytes()), save=True)

    listing = get(api, "/api/projects/")
    assert listing["count"] == 1
    [item] = listing["results"]
    assert "body" not in item and "body_html" not in item
    torch_item = {"name": "PyTorch", "slug": "pytorch", "category": "ML & AI", "icon": "pytorch"}
    assert item["technologies"] == [torch_item]
    assert item["image"].startswith("http://testserver/media/projects/shot")
    assert item["featured"] is True and item["repository_url"] == "https://github.com/someone/rag"

    detail = get(api, "/api/projects/rag-assistant/")
    assert {k: v for k, v in detail.items() if k not in ("body", "body_html")} == item
    assert detail["body_html"].startswith("<h2>Why</h2>") and "<script" not in detail["body_html"]


def test_unknown_project_is_404_with_the_envelope(api: APIClient) -> None:
    body = get(api, "/api/projects/nope/", 404)
    assert body["error"]["code"] == "not_found" and body["error"]["details"] == {"slug": "nope"}


def test_projects_filter_by_featured_and_technology(api: APIClient) -> None:
    torch, cpp = make_tech("PyTorch"), make_tech("C++", "Languages")
    make_project("a", featured=True, technologies=(torch, cpp))
    make_project("b", technologies=(torch,))
    make_project("c", featured=True)

    assert sorted(slugs(get(api, "/api/projects/?featured=true"))) == ["a", "c"]
    assert slugs(get(api, "/api/projects/?featured=0")) == ["b"]
    assert sorted(slugs(get(api, "/api/projects/?technology=pytorch"))) == ["a", "b"]
    assert slugs(get(api, "/api/projects/?technology=C%2B%2B")) == ["a"]  # by name, any case
    assert slugs(get(api, "/api/projects/?technology=cplusplus&featured=true")) == ["a"]
    assert get(api, "/api/projects/?technology=cobol")["count"] == 0
    error = get(api, "/api/projects/?featured=maybe", 422)["error"]
    assert error["code"] == "invalid_parameter" and error["details"]["parameter"] == "featured"


def test_projects_ordering(api: APIClient) -> None:
    make_project("zeta", title="Zeta", order=0)
    make_project("alpha", title="Alpha", order=2)
    make_project("mid", title="Mid", order=1)
    # created_at is set on insert; spread them so the order does not hinge on clock resolution.
    base = timezone.now()
    for days, slug in enumerate(["alpha", "zeta", "mid"]):
        Project.objects.filter(slug=slug).update(created_at=base - timedelta(days=10 - days))

    assert slugs(get(api, "/api/projects/")) == ["zeta", "mid", "alpha"]
    assert slugs(get(api, "/api/projects/?ordering=order")) == ["zeta", "mid", "alpha"]
    assert slugs(get(api, "/api/projects/?ordering=-created")) == ["mid", "zeta", "alpha"]
    assert slugs(get(api, "/api/projects/?ordering=title")) == ["alpha", "mid", "zeta"]
    error = get(api, "/api/projects/?ordering=-stars", 422)["error"]
    assert error["details"]["allowed"] == ["order", "-order", "created", "-created", "title", "-title"]


def test_list_queries_do_not_grow_with_projects(api: APIClient, django_assert_max_num_queries: Any) -> None:
    techs = [make_tech(f"T{i}") for i in range(3)]
    for i in range(10):
        make_project(f"p{i}", technologies=tuple(techs))
    with django_assert_max_num_queries(4):  # count, page, technologies prefetch
        assert get(api, "/api/projects/")["count"] == 10


def test_content_endpoints_are_in_the_openapi_schema(api: APIClient) -> None:
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200

    paths = json.loads(response.content)["paths"]
    assert {
        "/api/profile/",
        "/api/tech-stack/",
        "/api/journey/",
        "/api/projects/",
        "/api/projects/{slug}/",
    } <= set(paths)
    projects = paths["/api/projects/"]["get"]
    names = {p["name"] for p in projects["parameters"]}
    assert names >= {"featured", "technology", "ordering", "page", "page_size"}
    assert "422" in projects["responses"]
    assert "404" in paths["/api/projects/{slug}/"]["get"]["responses"]
    assert "404" in paths["/api/profile/"]["get"]["responses"]


def test_the_project_sitemap_section_lists_spa_pages() -> None:
    make_project("b-side", order=1)
    make_project("a-side", order=0)
    section = ProjectSitemap()
    assert [section.location(p) for p in section.items()] == ["/projects/a-side", "/projects/b-side"]
    assert section.lastmod(Project.objects.get(slug="a-side")) is not None


def test_media_is_served_as_a_sandboxed_attachment_and_images_still_load(api: APIClient) -> None:
    profile = make_profile()
    profile.photo.save("me.png", ContentFile(png_bytes()), save=False)
    profile.cv.save("cv.pdf", ContentFile(b"%PDF-1.4 cv"), save=False)
    profile.save()
    body = get(api, "/api/profile/")
    for url, kind in ((body["photo"], "image/png"), (body["cv"], "application/pdf")):
        response = api.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200
        assert response["Content-Type"] == kind  # what an <img> needs: the bytes and their type
        assert response["Content-Disposition"].startswith("attachment; filename=")
        assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
        assert response["X-Content-Type-Options"] == "nosniff"
