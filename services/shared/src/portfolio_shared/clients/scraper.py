"""Client of the scraper: start a scrape, follow it, list jobs, re-run a failed source; classify
stored papers' topics."""

from __future__ import annotations

from typing import ClassVar

from portfolio_shared.clients.outbox import OutboxClientMixin
from portfolio_shared.contracts.operations import (
    CLASSIFY,
    RERUN_SOURCE,
    SCRAPE_HISTORY,
    SCRAPE_STATUS,
    START_SCRAPE,
)
from portfolio_shared.schemas._base import JobState, PaperSource, ScrapeSource
from portfolio_shared.schemas.documents import JobAccepted
from portfolio_shared.schemas.scraper import (
    ClassifyPaper,
    ClassifyRequest,
    ClassifyResult,
    PaperTopics,
    ScrapeHistory,
    ScrapeJob,
    ScrapeRequest,
    ScrapeRerunRequest,
)


class ScraperClient(OutboxClientMixin):
    """Typed client of the scraper service."""

    service: ClassVar[str] = "scraper"
    url_setting: ClassVar[str] = "scraper_url"

    async def start_scrape(
        self, source: ScrapeSource = "all", days: int = 1, *, idempotency_key: str | None = None
    ) -> JobAccepted:
        """``POST /scrape``: start a scrape job of ``source`` over the last ``days`` days (1..30)."""
        body = ScrapeRequest(source=source, days=days)
        response = await self.send(START_SCRAPE.bind(body), idempotency_key=idempotency_key)
        return self._parse(response, JobAccepted)

    async def status(self, job_id: str | None = None) -> ScrapeJob:
        """``GET /scrape/status``: the job ``job_id``, or the latest job. NotFound when there is none."""
        params = {"job_id": job_id} if job_id else None
        response = await self.send(SCRAPE_STATUS.bind(), params=params)
        return self._parse(response, ScrapeJob)

    async def jobs(
        self,
        *,
        limit: int = 20,
        offset: int = 0,
        state: JobState | None = None,
        source: ScrapeSource | None = None,
    ) -> ScrapeHistory:
        """``GET /scrape/history``: one page of jobs, running ones included, newest first, with the
        ``count`` of all that match ``state`` and ``source``."""
        params: dict[str, str | int] = {"limit": limit, "offset": offset}
        if state is not None:
            params["state"] = state
        if source is not None:
            params["source"] = source
        response = await self.send(SCRAPE_HISTORY.bind(), params=params)
        return self._parse(response, ScrapeHistory)

    async def rerun_source(self, job_id: str, source: PaperSource) -> JobAccepted:
        """``POST /scrape/jobs/{job_id}/rerun``: scrape ``source``, which failed in that job, again
        over the job's window. Conflict (409) when it did not fail or is being scraped now."""
        body = ScrapeRerunRequest(source=source)
        response = await self.send(RERUN_SOURCE.bind(body, job_id=job_id))
        return self._parse(response, JobAccepted)

    async def classify(self, papers: list[ClassifyPaper]) -> list[PaperTopics]:
        """``POST /classify``: the topics of up to ``MAX_CLASSIFY_PAPERS`` papers, in the same order."""
        body = ClassifyRequest(papers=papers)
        # A pure function of the body: CLASSIFY is declared safe to retry.
        response = await self.send(CLASSIFY.bind(body))
        return self._parse(response, ClassifyResult).papers
