"""The SPA's paper URL is declared once (papers.links) and every link to a paper agrees with it."""

from __future__ import annotations

from typing import Any

from papers import feeds, indexing, links, share, sitemaps
from papers.models import Paper


def test_every_link_to_a_paper_is_the_spas_route_old_style_ids_keeping_their_slash(settings: Any) -> None:
    settings.SITE_URL = "https://site.example.org"
    for arxiv_id in ("2401.04242", "hep-th/9901001"):
        paper = Paper(arxiv_id=arxiv_id)
        expected = f"https://site.example.org/papers/{arxiv_id}"
        assert links.paper_url(arxiv_id) == expected
        assert settings.SITE_URL + sitemaps.PaperSitemap().location(paper) == expected
        assert share.page_url(paper) == expected
        assert indexing.paper_url(arxiv_id) == expected
        assert feeds.PapersAtomFeed().item_link(paper) == expected
