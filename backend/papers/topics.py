"""The scraper's topic classifier, asked from core: ``POST /classify`` (``reclassify_papers``, and
the sample papers' topics at load time)."""

from __future__ import annotations

from core_lib.upstreams import call
from portfolio_shared.clients import RetryPolicy, ScraperClient
from portfolio_shared.schemas import ClassifyPaper, PaperTopics

#: One batch may wait for the scraper to load its model (first call) and classify 2,000 papers.
DEADLINE_SECONDS = 300.0


def classify(papers: list[ClassifyPaper]) -> list[PaperTopics]:
    """The scraper's answer for one batch (retried on transport failures: the call is idempotent)."""
    return call(
        ScraperClient,
        lambda client: client.classify(papers),
        deadline=DEADLINE_SECONDS,
        retry=RetryPolicy(attempts=3),
    )
