"""/sitemap.xml (an index of sections) and /robots.txt."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from papers.models import Paper
from papers.sitemaps import PaperSitemap
from papers.tests.conftest import payload, store

pytestmark = pytest.mark.django_db
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def locations(xml: bytes, tag: str) -> list[str]:
    root = ET.fromstring(xml)  # noqa: S314 - our own output
    assert root.tag == SM + tag
    return [loc.text or "" for loc in root.iter(SM + "loc")]


def test_the_index_lists_every_section_and_page(api: APIClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PaperSitemap, "limit", 2)
    store(*[payload(f"2401.0000{n}") for n in range(1, 6)])
    response = api.get("/sitemap.xml")
    assert response.status_code == 200
    ours = [loc for loc in locations(response.content, "sitemapindex") if "projects" not in loc]
    assert ours == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-papers.xml",
        "http://testserver/sitemap-papers.xml?p=2",
        "http://testserver/sitemap-papers.xml?p=3",
    ]


def test_the_papers_section_lists_visible_papers_with_their_spa_url(api: APIClient, settings: Any) -> None:
    settings.SITE_URL = "https://portfolio.example.org/site"
    store(payload("2401.00001"), payload("hep-th/9901001"), payload("2401.00002"))
    Paper.objects.filter(arxiv_id="2401.00002").update(hidden=True)
    response = api.get("/sitemap-papers.xml")
    assert response.status_code == 200
    assert locations(response.content, "urlset") == [
        "https://portfolio.example.org/site/papers/2401.00001",
        "https://portfolio.example.org/site/papers/hep-th/9901001",
    ]
    assert b"<lastmod>" in response.content


def test_the_pages_section_lists_the_spa_pages(api: APIClient, settings: Any) -> None:
    settings.SITE_URL = "https://portfolio.example.org"
    response = api.get("/sitemap-pages.xml")
    assert locations(response.content, "urlset") == [
        "https://portfolio.example.org/",
        "https://portfolio.example.org/projects",
        "https://portfolio.example.org/papers",
    ]


def test_an_unknown_section_is_404(api: APIClient) -> None:
    assert api.get("/sitemap-nothing.xml").status_code == 404


def test_robots_txt_allows_the_site_and_points_to_the_sitemap(api: APIClient) -> None:
    response = api.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert f"Disallow: /{settings.ADMIN_PATH}" in lines
    assert "Disallow: /api/internal/" in lines
    assert "Allow: /" in lines
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in lines  # the SPA host proxies it
    assert "Disallow: /" not in lines  # the site itself stays crawlable
