from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_page
from django.views.static import serve as serve_file
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.env import get_settings
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
    path("api/", include("papers.api.urls")),
    path("api/", include("documents.api.urls")),
    path("api/", include("insights.api.urls")),
    path(settings.ADMIN_PATH, admin.site.urls),
]

if get_settings().environment == "development":
    # Uploaded media straight from MEDIA_ROOT for `make run`; production keeps uploads in object storage.
    urlpatterns.append(
        re_path(
            rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$",
            serve_file,
            {"document_root": settings.MEDIA_ROOT},
            name="media",
        )
    )
