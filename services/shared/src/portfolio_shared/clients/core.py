"""Client of core (Django): the relevance keywords the owner edits in core's admin (read by the
scraper's scoring) and papers' titles by arXiv id (read by analytics for the dashboard). The papers
bulk upsert reaches core through the scraper's outbox (``BULK_UPSERT_PAPERS`` enqueued), not through
this client."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from portfolio_shared.clients.base import ServiceClient
from portfolio_shared.contracts.operations import PAPER_TITLES, RELEVANCE_KEYWORDS
from portfolio_shared.schemas.papers import PaperTitles, PaperTitlesRequest
from portfolio_shared.schemas.scraper import RelevanceKeyword, RelevanceKeywords


class CoreClient(ServiceClient):
    """Typed client of core's internal API (plus ``health``/``ready`` from the base)."""

    service: ClassVar[str] = "core"
    url_setting: ClassVar[str] = "core_url"

    async def relevance_keywords(self) -> list[RelevanceKeyword]:
        """The owner's relevance keywords and weights (empty when none are set in the admin)."""
        response = await self.send(RELEVANCE_KEYWORDS.bind())
        return self._parse(response, RelevanceKeywords).keywords

    async def paper_titles(self, ids: Iterable[str]) -> dict[str, str]:
        """``{arxiv_id: title}`` for the papers core holds among ``ids`` (version-less arXiv ids, at
        most ``MAX_TITLE_LOOKUP``; an unknown id is absent from the answer)."""
        response = await self.send(PAPER_TITLES.bind(PaperTitlesRequest(ids=list(ids))))
        return self._parse(response, PaperTitles).titles
