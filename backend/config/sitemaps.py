"""Every sitemap section of the site, by name. ``/sitemap.xml`` is their index.

An app adds its section here (e.g. ``"projects": ProjectSitemap``, a ``core_lib.sitemap_base.SiteSitemap``
whose ``location`` is the SPA path); each section is served at ``/sitemap-<name>.xml`` (paged by its
``limit``), and the index lists every page.
"""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap

from content.sitemaps import ProjectSitemap
from core_lib.sitemap_base import SiteSitemap
from papers.sitemaps import PaperSitemap


class StaticPagesSitemap(SiteSitemap):
    """The SPA's fixed pages."""

    changefreq = "daily"
    priority = 1.0

    def items(self) -> list[str]:
        return ["/", "/projects", "/papers"]

    def location(self, path: str) -> str:
        return path


SITEMAPS: dict[str, type[Sitemap]] = {  # type: ignore[type-arg]
    "pages": StaticPagesSitemap,
    "projects": ProjectSitemap,
    "papers": PaperSitemap,
}
