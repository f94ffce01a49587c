"""The base of every sitemap section: locations are pages of the SPA at ``SITE_URL``.

Core serves ``/sitemap.xml``, but the pages it lists are the SPA's, so the scheme, host and any
path prefix come from ``settings.SITE_URL``, not from the request.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap


class SiteSitemap(Sitemap):  # type: ignore[type-arg]
    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site: Any = None) -> str:
        parts = urlsplit(settings.SITE_URL)
        return parts.netloc + parts.path.rstrip("/")
