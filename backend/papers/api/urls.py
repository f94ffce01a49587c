from django.urls import URLPattern, URLResolver, path, register_converter

from papers.api.converters import ArxivIdConverter
from papers.api.pagination import PaperPagination
from papers.api.serializers import (
    PaperFacetsQuerySerializer,
    PaperFeedQuerySerializer,
    PaperListQuerySerializer,
)
from papers.api.views import (
    PaperDetailView,
    PaperFacetsView,
    PaperFeedView,
    PaperListView,
    PapersBulkView,
    PaperSimilarView,
    PaperThumbnailView,
    PaperTitlesView,
)
from papers.cache import cached_view

register_converter(ArxivIdConverter, "arxiv")

#: The parameters each cached view reads (papers.cache drops every other one).
PAGE_PARAMS = [PaperPagination.page_query_param, PaperPagination.page_size_query_param]
LIST_PARAMS = [*PaperListQuerySerializer().fields, *PAGE_PARAMS]
FEED_PARAMS = list(PaperFeedQuerySerializer().fields)
FACETS_PARAMS = list(PaperFacetsQuerySerializer().fields)

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "papers/",
        cached_view(PaperListView.as_view(), params=LIST_PARAMS, numbers=PAGE_PARAMS),
        name="paper-list",
    ),
    path("papers/facets/", cached_view(PaperFacetsView.as_view(), params=FACETS_PARAMS), name="paper-facets"),
    path("papers/feed.xml", cached_view(PaperFeedView.as_view(), params=FEED_PARAMS), name="paper-feed"),
    path("papers/<arxiv:arxiv_id>/", cached_view(PaperDetailView.as_view()), name="paper-detail"),
    # Not in the papers cache: the image is in Postgres already, and browsers cache it (Cache-Control).
    path("papers/<arxiv:arxiv_id>/thumbnail/", PaperThumbnailView.as_view(), name="paper-thumbnail"),
    # Cached by papers.similar itself (an upstream failure only briefly).
    path("papers/<arxiv:arxiv_id>/similar/", PaperSimilarView.as_view(), name="paper-similar"),
    path("internal/papers/bulk/", PapersBulkView.as_view(), name="papers-bulk"),
    path("internal/papers/titles/", PaperTitlesView.as_view(), name="papers-titles"),
]
