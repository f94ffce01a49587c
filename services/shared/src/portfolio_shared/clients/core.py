"""Client of core (Django): the papers bulk upsert the scraper's outbox delivers, and the relevance
keywords the owner edits in core's admin (read by the scraper's scoring)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from portfolio_shared.clients.base import ServiceClient
from portfolio_shared.schemas.papers import (
    MAX_BULK_PAPERS,
    Paper,
    PapersBulk,
    PapersBulkResult,
    duplicate_arxiv_ids,
)
from portfolio_shared.schemas.scraper import RelevanceKeyword, RelevanceKeywords

BULK_PAPERS_PATH = "/api/internal/papers/bulk/"
RELEVANCE_KEYWORDS_PATH = "/api/internal/relevance-keywords/"


class CoreClient(ServiceClient):
    """Typed client of core's internal API (plus ``health``/``ready`` from the base)."""

    service: ClassVar[str] = "core"
    url_setting: ClassVar[str] = "core_url"

    async def bulk_upsert_papers(
        self, papers: Sequence[Paper], *, idempotency_key: str | None = None
    ) -> PapersBulkResult:
        """Upsert ``papers`` into core, in requests of at most 2,000; return the summed counts.

        With ``idempotency_key``, each request sends ``<key>:<n>`` and may then be retried. Raises
        ``ValueError`` before sending anything when an arXiv id occurs twice.
        """
        duplicates = duplicate_arxiv_ids(papers)
        if duplicates:
            raise ValueError(f"duplicate arxiv_id in bulk upsert: {', '.join(duplicates[:10])}")
        total = PapersBulkResult()
        for n, start in enumerate(range(0, len(papers), MAX_BULK_PAPERS)):
            body = PapersBulk(papers=list(papers[start : start + MAX_BULK_PAPERS]))
            response = await self.request(
                "POST",
                BULK_PAPERS_PATH,
                json=body.model_dump(mode="json"),
                idempotency_key=f"{idempotency_key}:{n}" if idempotency_key else None,
            )
            part = self._parse(response, PapersBulkResult)
            total = PapersBulkResult(
                created=total.created + part.created,
                updated=total.updated + part.updated,
                unchanged=total.unchanged + part.unchanged,
            )
        return total

    async def relevance_keywords(self) -> list[RelevanceKeyword]:
        """The owner's relevance keywords and weights (empty when none are set in the admin)."""
        response = await self.request("GET", RELEVANCE_KEYWORDS_PATH)
        return self._parse(response, RelevanceKeywords).keywords
