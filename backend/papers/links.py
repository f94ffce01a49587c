"""Where the SPA shows a paper, declared once: the Atom feed, the sitemap, share previews and the
chatbot's citations of a paper's text all link there."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings

#: The frontend's route for a paper; an old-style id keeps its slash (``/papers/hep-th/9901001``).
PAPER_PATH = "/papers/{arxiv_id}"


def paper_path(arxiv_id: str) -> str:
    """The paper's page on the SPA, as a path (URL-quoted; a slash stays a slash)."""
    return PAPER_PATH.format(arxiv_id=quote(arxiv_id, safe="/"))


def paper_url(arxiv_id: str) -> str:
    """The paper's page on the SPA, absolute (``SITE_URL`` + :func:`paper_path`)."""
    return f"{settings.SITE_URL}{paper_path(arxiv_id)}"
