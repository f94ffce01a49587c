"""The pieces a job runs: its time window, one fetcher per source, and the enrichment step.

A :data:`Fetcher` adapts one source module (``portfolio_scraper.sources``) to a job's window; an
:data:`Enricher` turns every source's drafts into validated papers (``portfolio_scraper.enrich``).
Both are injectable so the runner can be driven by other sources or a different pipeline.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from portfolio_scraper.config import ScraperSettings
from portfolio_scraper.enrich import InterestProfile, TopicClassifier, enrich
from portfolio_scraper.interests import Interests
from portfolio_scraper.sources.arxiv import fetch_arxiv
from portfolio_scraper.sources.huggingface import fetch_huggingface
from portfolio_scraper.sources.limiter import ArxivRateLimiter
from portfolio_scraper.sources.pwc import fetch_pwc
from portfolio_scraper.sources.types import PaperDraft, Progress, SourceReport
from portfolio_shared.schemas import Paper

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """The submission-time window a job scrapes, ``[start, end]`` in UTC."""

    start: datetime
    end: datetime

    @classmethod
    def last_days(cls, days: int, now: datetime) -> Window:
        return cls(now - days * DAY, now)

    @property
    def days(self) -> int:
        """Whole days covered, rounded up (at least 1)."""
        return max(1, math.ceil((self.end - self.start) / DAY))

    def dates(self) -> list[date]:
        """Every UTC calendar date the window touches, newest first."""
        first, last = self.start.date(), self.end.date()
        return [last - n * DAY for n in range((last - first).days + 1)]

    def chunks(self, days: int) -> list[Window]:
        """The window cut into consecutive windows of at most ``days`` days, newest first."""
        out = []
        end = self.end
        while end > self.start:
            start = max(self.start, end - days * DAY)
            out.append(Window(start, end))
            end = start
        return out

    def as_params(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Window:
        window = params["window"]
        return cls(datetime.fromisoformat(window["start"]), datetime.fromisoformat(window["end"]))


#: ``(client, window, progress, report)`` -> pages of drafts.
Fetcher = Callable[[httpx.AsyncClient, Window, Progress, SourceReport], AsyncIterator[list[PaperDraft]]]


def default_fetchers(
    settings: ScraperSettings, *, limiter: ArxivRateLimiter | None = None
) -> dict[str, Fetcher]:
    """The three real sources, reading their base URLs from ``settings``."""

    def arxiv(
        client: httpx.AsyncClient, window: Window, progress: Progress, report: SourceReport
    ) -> AsyncIterator[list[PaperDraft]]:
        return fetch_arxiv(
            client,
            base_url=settings.arxiv_api_url,
            categories=settings.arxiv_categories,
            start=window.start,
            end=window.end,
            progress=progress,
            limiter=limiter,
            report=report,
        )

    def huggingface(
        client: httpx.AsyncClient, window: Window, progress: Progress, report: SourceReport
    ) -> AsyncIterator[list[PaperDraft]]:
        return fetch_huggingface(
            client, base_url=settings.hf_api_url, days=window.dates(), progress=progress, report=report
        )

    def pwc(
        client: httpx.AsyncClient, window: Window, progress: Progress, report: SourceReport
    ) -> AsyncIterator[list[PaperDraft]]:
        # The catalogue lists recent papers only: its cutoff is the window's start, counted from its end.
        return fetch_pwc(
            client,
            base_url=settings.pwc_api_url,
            days=window.days,
            progress=progress,
            report=report,
            now=window.end,
        )

    return {"arxiv": arxiv, "huggingface": huggingface, "pwc": pwc}


@dataclass
class Enriched:
    """Validated papers, and the merged records that did not validate (id -> sources, id -> reason)."""

    papers: list[Paper]
    rejected: dict[str, list[str]] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


#: ``(drafts of every source, the owner's interests, now)`` -> :class:`Enriched`. CPU-bound: run it
#: in a thread.
Enricher = Callable[[Sequence[PaperDraft], Interests, datetime], Enriched]


class DefaultEnricher:
    """Merge by arXiv id, then topics, tags and relevance (:func:`portfolio_scraper.enrich.enrich`).

    Topics come from the process's :class:`TopicClassifier` (shipped taxonomy, local MiniLM), built and
    loaded on first use.
    """

    def __call__(self, drafts: Sequence[PaperDraft], interests: Interests, now: datetime) -> Enriched:
        profile = InterestProfile(interests.keywords, weights=interests.weights)
        result = enrich(drafts, classifier=TopicClassifier.default(), profile=profile, now=now)
        return Enriched(
            result.papers,
            {r.arxiv_id: list(r.sources) for r in result.rejected},
            {r.arxiv_id: r.reason for r in result.rejected},
        )


#: Per-phase limits for upstream calls: arXiv's 2,000-entry pages take a while to arrive.
UPSTREAM_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=30.0, pool=30.0)
UPSTREAM_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=30.0)
USER_AGENT = "portfolio-scraper/0.1 (personal paper feed; one request every 3 s to arXiv)"


def upstream_client() -> httpx.AsyncClient:
    """The process's one client for the upstream APIs and core's public API (close it at shutdown)."""
    return httpx.AsyncClient(
        timeout=UPSTREAM_TIMEOUT,
        limits=UPSTREAM_LIMITS,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
    )
