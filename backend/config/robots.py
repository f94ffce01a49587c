"""``/robots.txt``: crawl everything public, never the admin or the internal API; name the sitemap.

The SPA host proxies ``/robots.txt`` and ``/sitemap.xml`` to core, so the sitemap is named on the
site's own host (``SITE_URL``), whichever host the request came through.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        f"Disallow: /{settings.ADMIN_PATH}",
        "Disallow: /api/internal/",
        "Allow: /",
        f"Sitemap: {settings.SITE_URL}{reverse('sitemap-index')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
