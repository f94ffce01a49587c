from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_page
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config import openapi  # noqa: F401 - registers the schema's authentication extensions
from config.media import serve_media
from config.robots import robots_txt
from config.sitemaps import SITEMAPS
from portfolio_shared.django import views as shared_views

handler400 = "portfolio_shared.django.views.handler400"
handler403 = "portfolio_shared.django.views.handler403"
handler404 = "portfolio_shared.django.views.handler404"
handler500 = "portfolio_shared.django.views.handler500"

urlpatterns = [
    path("health", shared_views.health, name="health"),
    path("ready", shared_views.ready, name="ready"),
    path("internal/metrics", shared_views.metrics, name="metrics"),
    # The schema only changes with a deploy; generating it costs ~5 ms of CPU per request.
    path("api/schema/", cache_page(3600)(SpectacularAPIView.as_view()), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/webhooks/", include("webhooks.api.urls")),
    path("api/", include("content.api.urls")),
    # insights before papers: its papers/scrape-status/ must win over papers' papers/<arxiv_id>/.
    path("api/", include("insights.api.urls")),
    path("api/", include("papers.api.urls")),
    path("api/", include("documents.api.urls")),
    path("api/", include("chatbot.api.urls")),
    path("api/", include("scrapes.api.urls")),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("share/", include("papers.share_urls")),  # share previews the SPA host proxies (papers.share)
    path("robots.txt", robots_txt, name="robots-txt"),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}, name="sitemap-index"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",  # the name the index view reverses
    ),
]

urlpatterns.append(re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$", serve_media, name="media"))
