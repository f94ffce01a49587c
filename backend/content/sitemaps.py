"""Sitemap section of the projects: one SPA page per project."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from content.index_documents import SPA_PATHS
from content.models import Project
from core_lib.sitemap_base import SiteSitemap


class ProjectSitemap(SiteSitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self) -> QuerySet[Project]:
        return Project.objects.only("slug", "updated_at").order_by("order", "slug")

    def location(self, project: Project) -> str:
        return SPA_PATHS["project"].format(slug=project.slug)

    def lastmod(self, project: Project) -> datetime:
        return project.updated_at
