from django.urls import URLPattern, URLResolver, path

from scrapes.api.views import RelevanceKeywordsView

urlpatterns: list[URLPattern | URLResolver] = [
    path("internal/relevance-keywords/", RelevanceKeywordsView.as_view(), name="relevance-keywords"),
]
