"""Upstream clients and parsers, one module per source (``arxiv``, ``huggingface``, ``pwc``).

They fetch through ``httpx`` from the configurable base URLs and yield :class:`PaperDraft` lists, one
per page; they import no web framework. ``types`` holds the drafts, the errors and the progress
protocol; ``limiter`` the process-wide arXiv pacing; ``http`` the retrying GET they share.
"""

from portfolio_scraper.sources.arxiv import fetch_arxiv
from portfolio_scraper.sources.huggingface import fetch_huggingface
from portfolio_scraper.sources.limiter import ArxivRateLimiter, shared_limiter
from portfolio_scraper.sources.pwc import fetch_pwc
from portfolio_scraper.sources.types import (
    NullProgress,
    PaperDraft,
    Progress,
    SourceFailed,
    SourceReport,
    SourceUnavailable,
)

__all__ = [
    "ArxivRateLimiter",
    "NullProgress",
    "PaperDraft",
    "Progress",
    "SourceFailed",
    "SourceReport",
    "SourceUnavailable",
    "fetch_arxiv",
    "fetch_huggingface",
    "fetch_pwc",
    "shared_limiter",
]
