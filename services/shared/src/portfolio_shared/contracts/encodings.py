"""The encodings services share: document keys, the page break, token audiences.

A token audience names what a service token is for. A token for a service carries
:func:`service_audience` of its name (token mode; oidc mode swaps in the target's URL, see
``portfolio_shared.auth.audience_for``), unless its :class:`~portfolio_shared.contracts.Operation`
declares another; the dashboard's browser tokens carry :data:`ANALYTICS_DASHBOARD_AUDIENCE`.

A document key names one document in the document processor's index; its format is a contract
between whoever writes the document and whoever reads it back (the chatbot cites a paper's PDF by
``paper:<arxiv_id>``). Build and read keys here, never with a literal prefix elsewhere.
"""

from __future__ import annotations

#: Key prefix of a paper's PDF (the scraper sends it; the chatbot reads the arXiv id back).
PAPER_PDF_KEY_PREFIX = "paper:"
#: Key prefix of a paper's title, abstract and ``ai_summary`` indexed as text (core sends it), so
#: the chatbot finds papers whose PDF was never ingested.
PAPER_TEXT_KEY_PREFIX = "paper-text:"

#: What the document processor puts in a chunk's text where one PDF page ends and the next begins
#: (one form feed); readers split on it to tell which page a passage stands on.
PAGE_BREAK = "\f"

#: The token audience of the analytics dashboard: core mints it, analytics accepts it.
ANALYTICS_DASHBOARD_AUDIENCE = "analytics-dashboard"


def service_audience(service: str) -> str:
    """The audience of a service token for ``service`` in token mode: the service's name. The
    caller mints it (:meth:`Operation.token_audience`), the service verifies it (its own name)."""
    return service


def paper_pdf_key(arxiv_id: str) -> str:
    """The document key of a paper's PDF (stable, so a new version replaces the old one)."""
    return f"{PAPER_PDF_KEY_PREFIX}{arxiv_id}"


def paper_text_key(arxiv_id: str) -> str:
    """The document key of a paper's indexed text (title, abstract, ``ai_summary``)."""
    return f"{PAPER_TEXT_KEY_PREFIX}{arxiv_id}"


def arxiv_id_of_paper_text(document_key: str) -> str | None:
    """The arXiv id a :func:`paper_text_key` names, or None for any other key."""
    if not document_key.startswith(PAPER_TEXT_KEY_PREFIX):
        return None
    return document_key[len(PAPER_TEXT_KEY_PREFIX) :] or None


def arxiv_id_of_paper_pdf(document_key: str) -> str | None:
    """The arXiv id a :func:`paper_pdf_key` names, or None for any other key."""
    if not document_key.startswith(PAPER_PDF_KEY_PREFIX):
        return None
    return document_key[len(PAPER_PDF_KEY_PREFIX) :] or None
