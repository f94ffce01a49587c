"""HTML and PNG views of a paper's share preview (see papers.share); not part of the JSON API.

``/share/papers/<id>``: a page with the meta tags (for crawlers routed to core); ``.../head``: the
tags alone, for the SPA host's nginx to include in the app shell; ``.../card.png``: the card,
rendered once per paper version and kept in the cache. Unknown and hidden papers are a 404 (nginx
then keeps the shell's default tags).
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from redis.exceptions import RedisError

from papers import selectors, share
from papers.card import render_card
from papers.models import Paper
from portfolio_shared.errors import NotFound

logger = logging.getLogger(__name__)

#: Bump when the card's drawing changes, so cached cards are redrawn.
CARD_VERSION = 1
CARD_CACHE_SECONDS = 7 * 24 * 3600
#: Browsers and unfurlers may keep a card a day; its URL changes with the paper's version.
CARD_MAX_AGE = 24 * 3600
HTML_MAX_AGE = 300


def _html(body: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={HTML_MAX_AGE}"
    return response


def _paper(arxiv_id: str) -> Paper:
    # Plain Django views: the shared NotFound becomes Django's 404 (the envelope, by handler404).
    try:
        return selectors.visible_paper(arxiv_id)
    except NotFound as exc:
        raise Http404(str(exc)) from None


@require_GET
def share_page(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    return _html(share.page(_paper(arxiv_id)))


@require_GET
def share_head(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    return _html(share.meta_tags(_paper(arxiv_id)))


@require_GET
def share_card(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    paper = _paper(arxiv_id)
    key = f"paper-card:{CARD_VERSION}:{paper.arxiv_id}:{paper.version}:{paper.modified.timestamp()}"
    png: bytes | None = None
    try:
        png = cache.get(key)
    except RedisError:
        logger.warning("card cache unavailable", exc_info=True)
    if png is None:
        png = render_card(
            title=paper.title, authors=paper.authors, topics=paper.topics, arxiv_id=paper.arxiv_id
        )
        try:
            cache.set(key, png, CARD_CACHE_SECONDS)
        except RedisError:
            logger.warning("card cache unavailable", exc_info=True)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = f"public, max-age={CARD_MAX_AGE}"
    return response
