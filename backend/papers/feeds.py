"""The Atom feed of the best papers of the last week (``GET /api/papers/feed.xml``, ``?topic=``).

Entries link to the paper's page on the site (``SITE_URL/papers/<id>``), the feed to the site's list.

Django's XML writer raises on a control character (XML 1.0 cannot hold one), which would answer 500:
every string the feed writes, the request's topic included, loses them first (a row stored before
the scraper stripped them, say).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from papers import selectors
from papers.links import paper_url
from papers.models import Paper
from portfolio_shared.text import strip_control_characters

MAX_AUTHORS = 10


def _xml_safe(value: Any) -> Any:
    if isinstance(value, str):
        return strip_control_characters(value)
    if isinstance(value, list | tuple):
        return [_xml_safe(item) for item in value]
    return value


class XmlSafeAtom1Feed(Atom1Feed):
    """Atom 1.0 whose every string, the feed's and each entry's, drops what XML 1.0 cannot hold."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*_xml_safe(args), **{key: _xml_safe(value) for key, value in kwargs.items()})

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*_xml_safe(args), **{key: _xml_safe(value) for key, value in kwargs.items()})


@dataclass(frozen=True)
class FeedScope:
    topic: str | None
    #: The request's absolute base ("https://host"), for the entries' ids.
    base: str


class PapersAtomFeed(Feed):  # type: ignore[type-arg]
    feed_type = XmlSafeAtom1Feed
    item_guid_is_permalink = False

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FeedScope:
        topic = strip_control_characters(request.GET.get("topic", "")).strip() or None
        return FeedScope(topic=topic, base=request.build_absolute_uri("/").rstrip("/"))

    def _query(self, scope: FeedScope) -> str:
        return f"?{urlencode({'topic': scope.topic})}" if scope.topic else ""

    def title(self, scope: FeedScope) -> str:
        suffix = f": {scope.topic}" if scope.topic else ""
        return f"Best new AI papers of the week{suffix}"

    def subtitle(self, scope: FeedScope) -> str:
        return f"The most relevant papers first published in the last {selectors.FEED_DAYS} days."

    def link(self, scope: FeedScope) -> str:
        # The site's papers page (the SPA at SITE_URL), filtered like the feed.
        return f"{settings.SITE_URL}/papers" + self._query(scope)

    def feed_url(self, scope: FeedScope) -> str:
        return reverse("paper-feed") + self._query(scope)

    def feed_guid(self, scope: FeedScope) -> str:
        return scope.base + self.feed_url(scope)

    def items(self, scope: FeedScope) -> list[Paper]:
        papers = list(selectors.feed_papers(topic=scope.topic))
        for paper in papers:
            # The API URL: permanent and unique, whatever link the paper has.
            paper.feed_guid = scope.base + reverse("paper-detail", kwargs={"arxiv_id": paper.arxiv_id})  # type: ignore[attr-defined]
        return papers

    def item_title(self, paper: Paper) -> str:
        return paper.title

    def item_description(self, paper: Paper) -> str:
        # Atom1Feed labels the summary type="html": escape the plain text so "a < b" survives.
        return escape(paper.ai_summary or paper.abstract)

    def item_link(self, paper: Paper) -> str:
        # Our own page of the paper (the SPA's route, as in the sitemap), not arXiv's.
        return paper_url(paper.arxiv_id)

    def item_guid(self, paper: Paper) -> str:
        return str(paper.feed_guid)  # type: ignore[attr-defined]

    def item_author_name(self, paper: Paper) -> str:
        if not paper.authors:
            return "Unknown authors"
        names = ", ".join(paper.authors[:MAX_AUTHORS])
        return names + (" et al." if len(paper.authors) > MAX_AUTHORS else "")

    def item_pubdate(self, paper: Paper) -> datetime | None:
        return paper.published

    def item_updateddate(self, paper: Paper) -> datetime:
        # Atom requires <updated> on every entry.
        return paper.updated or paper.published or paper.modified

    def item_categories(self, paper: Paper) -> list[str]:
        return list(dict.fromkeys([*paper.topics, *paper.categories]))
