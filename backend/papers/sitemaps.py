"""Sitemap section of the papers: one page of the SPA per visible paper."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from core_lib.sitemap_base import SiteSitemap
from papers.links import paper_path
from papers.models import Paper


class PaperSitemap(SiteSitemap):
    changefreq = "weekly"
    priority = 0.5
    limit = 5000  # entries per sitemap page; /sitemap.xml is an index of the pages

    def items(self) -> QuerySet[Paper]:
        return Paper.objects.filter(hidden=False).only("arxiv_id", "modified").order_by("id")

    def location(self, paper: Paper) -> str:
        # The SPA's route for a paper (old-style ids keep their slash).
        return paper_path(paper.arxiv_id)

    def lastmod(self, paper: Paper) -> datetime:
        return paper.modified
