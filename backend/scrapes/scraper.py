"""The admin's calls to the scraper, through the shared ``ScraperClient`` (no cache: the owner
watches jobs live).

Starting a scrape carries an ``Idempotency-Key`` so its one retry cannot start two jobs. Every
failure is a :class:`portfolio_shared.errors.PortfolioError` (503 when the scraper is down or
silent, its own envelope for a 4xx such as 409 ``scrape_already_running``, 502 for a 5xx) for the
admin to show as a message.
"""

from __future__ import annotations

import uuid

from core_lib.upstreams import call
from portfolio_shared.clients import RetryPolicy, ScraperClient
from portfolio_shared.schemas import (
    JobAccepted,
    JobState,
    PaperSource,
    ScrapeHistory,
    ScrapeJob,
    ScrapeSource,
)

#: A page the owner is looking at: answer or say the scraper is unavailable, quickly.
READ_DEADLINE = 5.0
START_DEADLINE = 10.0
_ONE_RETRY = RetryPolicy(attempts=2)
#: Jobs per page of the admin's list.
PAGE_SIZE = 20


def start_scrape(*, source: ScrapeSource, days: int) -> JobAccepted:
    """``POST /scrape`` with ``{"source", "days"}``."""
    key = f"core-admin-scrape-{uuid.uuid4().hex}"
    return call(
        ScraperClient,
        lambda c: c.start_scrape(source, days, idempotency_key=key),
        deadline=START_DEADLINE,
        retry=_ONE_RETRY,
    )


def rerun_source(*, job_id: str, source: PaperSource) -> JobAccepted:
    """``POST /scrape/jobs/{job_id}/rerun`` (not retried: a second job would only meet a 409)."""
    return call(ScraperClient, lambda c: c.rerun_source(job_id, source), deadline=START_DEADLINE)


def jobs(*, page: int = 1, state: JobState | None = None) -> ScrapeHistory:
    """One page of jobs, running ones included, newest first."""
    offset = (max(page, 1) - 1) * PAGE_SIZE
    return call(
        ScraperClient,
        lambda c: c.jobs(limit=PAGE_SIZE, offset=offset, state=state),
        deadline=READ_DEADLINE,
        retry=_ONE_RETRY,
    )


def job(job_id: str) -> ScrapeJob:
    """``GET /scrape/status?job_id=``: one job with its sources."""
    return call(ScraperClient, lambda c: c.status(job_id), deadline=READ_DEADLINE, retry=_ONE_RETRY)
