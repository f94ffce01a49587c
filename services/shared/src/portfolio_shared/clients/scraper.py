"""Client of the scraper: start a scrape, follow it, list past ones; classify stored papers' topics."""

from __future__ import annotations

from typing import ClassVar

from portfolio_shared.clients.base import ServiceClient
from portfolio_shared.schemas._base import ScrapeSource
from portfolio_shared.schemas.documents import JobAccepted
from portfolio_shared.schemas.scraper import (
    ClassifyPaper,
    ClassifyRequest,
    ClassifyResult,
    PaperTopics,
    ScrapeHistory,
    ScrapeJob,
    ScrapeRequest,
)


class ScraperClient(ServiceClient):
    """Typed client of the scraper service."""

    service: ClassVar[str] = "scraper"
    url_setting: ClassVar[str] = "scraper_url"

    async def start_scrape(
        self, source: ScrapeSource = "all", days: int = 1, *, idempotency_key: str | None = None
    ) -> JobAccepted:
        """``POST /scrape``: start a scrape job of ``source`` over the last ``days`` days (1..30)."""
        body = ScrapeRequest(source=source, days=days)
        response = await self.request(
            "POST", "/scrape", json=body.model_dump(mode="json"), idempotency_key=idempotency_key
        )
        return self._parse(response, JobAccepted)

    async def status(self, job_id: str | None = None) -> ScrapeJob:
        """``GET /scrape/status``: the job ``job_id``, or the latest job. NotFound when there is none."""
        params = {"job_id": job_id} if job_id else None
        response = await self.request("GET", "/scrape/status", params=params)
        return self._parse(response, ScrapeJob)

    async def history(self, limit: int | None = None) -> list[ScrapeJob]:
        """``GET /scrape/history``: past jobs, newest first."""
        params = {"limit": limit} if limit is not None else None
        response = await self.request("GET", "/scrape/history", params=params)
        return self._parse(response, ScrapeHistory).results

    async def classify(self, papers: list[ClassifyPaper]) -> list[PaperTopics]:
        """``POST /classify``: the topics of up to ``MAX_CLASSIFY_PAPERS`` papers, in the same order."""
        body = ClassifyRequest(papers=papers)
        # A pure function of the body: safe to retry.
        response = await self.request("POST", "/classify", json=body.model_dump(mode="json"), idempotent=True)
        return self._parse(response, ClassifyResult).papers
