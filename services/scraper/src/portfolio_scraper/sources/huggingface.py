"""Hugging Face daily papers: ``GET {base}/daily_papers?date=YYYY-MM-DD&p=N&limit=L`` for each day.

An item is ``{"paper": {...}, "numComments", "submittedBy", "title", "summary", ...}``; the paper holds
the arXiv ``id``, ``upvotes``, ``authors`` and the optional ``ai_summary``, ``ai_keywords``,
``githubRepo``, ``githubStars``, ``projectPage`` and ``organization``; the item carries the paper's
``thumbnail`` image URL. (huggingface_hub's ``PaperInfo``
also looks for the optional fields on the item itself, so both places are read, the paper first.)

Days are fetched concurrently (bounded) and independently: a day that stays unreachable, throttled or
answers something that is not a list of items (truncated JSON included) is counted in
``report.failed`` with its reason, and the other days go on. Only when every day fails does the
source raise :class:`SourceUnavailable`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from portfolio_scraper.sources.http import UpstreamError, get_with_retries
from portfolio_scraper.sources.limiter import Sleep
from portfolio_scraper.sources.normalise import (
    clean_text,
    count,
    github_repo,
    http_url,
    parse_timestamp,
    split_arxiv_id,
)
from portfolio_scraper.sources.types import PaperDraft, Progress, SourceReport, SourceUnavailable

#: The endpoint's largest page.
MAX_PAGE_SIZE = 100
#: A day never has this many pages; the bound only stops a server that always answers a full page.
MAX_PAGES_PER_DAY = 50


class _DayFailed(Exception):
    pass


@dataclass(slots=True)
class _Done:
    day: date
    error: BaseException | None = None


async def fetch_huggingface(
    client: httpx.AsyncClient,
    *,
    base_url: str,
    days: Sequence[date],
    progress: Progress,
    concurrency: int = 4,
    page_size: int = MAX_PAGE_SIZE,
    attempts: int = 4,
    sleep: Sleep = asyncio.sleep,
    report: SourceReport | None = None,
) -> AsyncIterator[list[PaperDraft]]:
    """Yield the daily papers of ``days``, one list per page, in whatever order pages arrive.

    A failed day goes to ``report`` (``failed`` + one line in ``errors``); :class:`SourceUnavailable`
    only when all days failed. ``sleep`` serves the backoff waits (429 honours ``Retry-After``).
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
    if concurrency < 1:
        raise ValueError("concurrency must be >= 1")
    report = report if report is not None else SourceReport()
    url = base_url.rstrip("/") + "/daily_papers"
    semaphore = asyncio.Semaphore(concurrency)
    queue: asyncio.Queue[list[PaperDraft] | _Done] = asyncio.Queue()

    async def run_day(day: date) -> None:
        error: BaseException | None = None
        async with semaphore:
            try:
                async for drafts in _day_pages(
                    client, url, day, page_size=page_size, attempts=attempts, sleep=sleep, report=report
                ):
                    await queue.put(drafts)
            except _DayFailed as exc:
                report.fail(f"huggingface {day.isoformat()}: {exc}")
            except Exception as exc:  # a bug, not an upstream failure: re-raised by the consumer
                error = exc
        await queue.put(_Done(day, error))

    tasks = [asyncio.create_task(run_day(day)) for day in dict.fromkeys(days)]
    remaining, fetched, pages, failed_before = len(tasks), 0, 0, report.failed
    try:
        while remaining:
            item = await queue.get()
            if isinstance(item, _Done):
                remaining -= 1
                if item.error is not None:
                    raise item.error
                continue
            fetched += len(item)
            pages += 1
            progress.update(fetched=fetched, page=pages)
            if item:
                yield item
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if tasks and report.failed - failed_before == len(tasks):
        raise SourceUnavailable(f"every day failed; first: {report.errors[failed_before]}")


async def _day_pages(
    client: httpx.AsyncClient,
    url: str,
    day: date,
    *,
    page_size: int,
    attempts: int,
    sleep: Sleep,
    report: SourceReport,
) -> AsyncIterator[list[PaperDraft]]:
    for page in range(MAX_PAGES_PER_DAY):
        params: dict[str, str | int] = {"date": day.isoformat(), "p": page, "limit": page_size}
        try:
            response = await get_with_retries(client, url, params=params, attempts=attempts, sleep=sleep)
        except UpstreamError as exc:
            raise _DayFailed(f"page {page}: {exc.reason}") from exc
        if response.status_code != 200:
            raise _DayFailed(f"page {page}: HTTP {response.status_code}")
        try:
            items = json.loads(response.content)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise _DayFailed(f"page {page}: invalid JSON ({exc})") from exc
        if not isinstance(items, list):
            raise _DayFailed(f"page {page}: expected a list of items, got {type(items).__name__}")
        drafts = []
        for item in items:
            draft = item_draft(item)
            if draft is None:
                report.skip()
            else:
                drafts.append(draft)
        yield drafts
        if len(items) < page_size:
            return


def item_draft(item: object) -> PaperDraft | None:
    """One daily-papers item as a draft; ``None`` when it is not a paper with an arXiv id."""
    if not isinstance(item, dict):
        return None
    paper = item.get("paper")
    if not isinstance(paper, dict):
        paper = item
    ident = split_arxiv_id(paper.get("id"))
    if ident is None:
        return None

    def optional(key: str) -> Any:
        value = paper.get(key)
        return value if value is not None else item.get(key)

    authors = []
    for author in paper.get("authors") or []:
        name = clean_text(author.get("name")) if isinstance(author, dict) else clean_text(author)
        if name:
            authors.append(name)
    keywords = optional("ai_keywords")
    return PaperDraft(
        arxiv_id=ident[0],
        source="huggingface",
        version=ident[1],
        title=clean_text(paper.get("title")) or clean_text(item.get("title")),
        abstract=clean_text(paper.get("summary")) or clean_text(item.get("summary")),
        authors=authors,
        published=parse_timestamp(paper.get("publishedAt")),
        sources=["huggingface"],
        hf_upvotes=count(paper.get("upvotes")),
        hf_comments=count(item.get("numComments")),
        github_repo=github_repo(optional("githubRepo")),
        github_stars=count(optional("githubStars")),
        project_url=http_url(optional("projectPage")),
        ai_summary=clean_text(optional("ai_summary")),
        organization=_organization(optional("organization")),
        thumbnail=http_url(optional("thumbnail")),
        ai_keywords=[k for k in (clean_text(v) for v in keywords) if k] if isinstance(keywords, list) else [],
    )


def _organization(value: object) -> str | None:
    if isinstance(value, dict):
        return clean_text(value.get("fullname")) or clean_text(value.get("name"))
    return clean_text(value)
