"""The projects section of the sitemap lists each project's SPA page at SITE_URL."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree
from rest_framework.test import APIClient

from content.tests.support import make_project

pytestmark = pytest.mark.django_db
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_projects_are_listed_with_their_spa_url(api: APIClient, settings: Any) -> None:
    settings.SITE_URL = "https://portfolio.example.org"
    make_project("rag-bot")
    make_project("vision-lab")
    index = etree.fromstring(api.get("/sitemap.xml").content)
    assert "http://testserver/sitemap-projects.xml" in index.xpath("//s:loc/text()", namespaces=NS)
    section = etree.fromstring(api.get("/sitemap-projects.xml").content)
    assert sorted(section.xpath("//s:loc/text()", namespaces=NS)) == [
        "https://portfolio.example.org/projects/rag-bot",
        "https://portfolio.example.org/projects/vision-lab",
    ]
