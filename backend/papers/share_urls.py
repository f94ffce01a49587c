"""Routes of the share previews (papers.api.share), under ``share/`` at core's root."""

from django.urls import URLPattern, path

from papers.api import urls as _api_urls  # noqa: F401 - registers the ``arxiv`` converter
from papers.api.share import share_card, share_head, share_page

urlpatterns: list[URLPattern] = [
    path("papers/<arxiv:arxiv_id>", share_page, name="paper-share"),
    path("papers/<arxiv:arxiv_id>/head", share_head, name="paper-share-head"),
    path("papers/<arxiv:arxiv_id>/card.png", share_card, name="paper-share-card"),
]
