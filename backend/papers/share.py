"""Share previews of a paper for clients that run no JavaScript (link unfurlers, crawlers).

The SPA's ``/papers/<id>`` page is built in the browser, so a link shared on a chat or social site
would preview as the generic site. Core renders what those clients read: the paper's meta tags
(title, description, canonical URL, Open Graph and Twitter card with the PNG of :mod:`papers.card`),
as a fragment the SPA host's nginx includes into the app shell (SSI), and as a small page of its
own for hosts that route crawlers to core (Vercel). Every URL in the tags is on the SPA host
(``SITE_URL``), which proxies ``/share/`` to core; docs/architecture.md says why.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from papers.card import HEIGHT, WIDTH
from papers.links import paper_url
from papers.models import Paper

SITE_NAME = "AI Platform Portfolio"
DESCRIPTION_CHARS = 200


def page_url(paper: Paper) -> str:
    """The paper's page on the SPA (its canonical URL)."""
    return paper_url(paper.arxiv_id)


def card_url(paper: Paper) -> str:
    """The card's URL on the SPA host; the version makes a new card a new URL for caches."""
    path = reverse("paper-share-card", args=[paper.arxiv_id])  # the SPA host proxies it as is
    return f"{settings.SITE_URL}{path}?v={paper.version}"


def description(paper: Paper) -> str:
    """The summary (else the abstract) cut at a word to about DESCRIPTION_CHARS characters."""
    text = " ".join((paper.ai_summary or paper.abstract or "").split())
    if len(text) <= DESCRIPTION_CHARS:
        return text
    cut = text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"


def meta_tags(paper: Paper) -> str:
    """The ``<head>`` elements of the paper's page, escaped, one per line."""
    title = f"{paper.title} · {SITE_NAME}"
    text = description(paper)
    url, image = page_url(paper), card_url(paper)
    alt = f"{paper.title}, by {', '.join(paper.authors[:3])}" if paper.authors else paper.title
    pairs = [
        ("property", "og:type", "article"),
        ("property", "og:site_name", SITE_NAME),
        ("property", "og:title", paper.title),
        ("property", "og:description", text),
        ("property", "og:url", url),
        ("property", "og:image", image),
        ("property", "og:image:type", "image/png"),
        ("property", "og:image:width", str(WIDTH)),
        ("property", "og:image:height", str(HEIGHT)),
        ("property", "og:image:alt", alt),
        ("name", "twitter:card", "summary_large_image"),
        ("name", "twitter:title", paper.title),
        ("name", "twitter:description", text),
        ("name", "twitter:image", image),
        ("name", "description", text),
    ]
    lines = [f"<title>{escape(title)}</title>", f'<link rel="canonical" href="{escape(url)}" />']
    lines += [f'<meta {attr}="{key}" content="{escape(value)}" />' for attr, key, value in pairs]
    return "\n".join(lines) + "\n"


def page(paper: Paper) -> str:
    """A whole page: the meta tags and the paper in plain HTML, with a link to the app's page."""
    authors = ", ".join(paper.authors)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        f"{meta_tags(paper)}</head>\n<body>\n<main>\n"
        f"<h1>{escape(paper.title)}</h1>\n<p>{escape(authors)}</p>\n"
        f"<p>{escape(paper.ai_summary or paper.abstract)}</p>\n"
        f'<p><a href="{escape(page_url(paper))}">Read on {SITE_NAME}</a></p>\n'
        "</main>\n</body>\n</html>\n"
    )
