"""Papers with Code, the revived catalogue: ``papers/recent`` and ``papers/trending`` at ``PWC_API_URL``.

Shapes as its reference client (huggingface/pwc-cli) reads them: a page is ``{"count", "results",
...}`` (``items`` instead of ``results`` and a bare list are accepted too), paged by a ``next`` URL
or a ``next_page`` number; a paper carries ``arxiv_id`` (absent for papers not on arXiv), ``title``,
``abstract``, ``authors`` (names), ``published`` (a date), ``url_abs``, ``url_pdf``,
``has_official_implementation``, ``code_repository_count``, and in fuller answers ``repositories``
(``{url, is_official}``), ``project_pages`` and ``organizations``.

Papers with an arXiv id become drafts (source ``pwc``) that merge into the arXiv records; the others
are skipped and counted. An unreachable catalogue or an unexpected shape raises
:class:`SourceUnavailable` with the reason: nothing is ever made up under the source's name.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

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

ENDPOINTS = ("papers/recent", "papers/trending")
PAGE_SIZE = 100
MAX_PAGES = 20


async def fetch_pwc(
    client: httpx.AsyncClient,
    *,
    base_url: str,
    days: int,
    progress: Progress,
    page_size: int = PAGE_SIZE,
    max_pages: int = MAX_PAGES,
    attempts: int = 3,
    sleep: Sleep = asyncio.sleep,
    report: SourceReport | None = None,
    now: datetime | None = None,
) -> AsyncIterator[list[PaperDraft]]:
    """Yield the recent and trending papers of the last ``days`` days, one list per page.

    Each arXiv id is yielded once across both lists. Recent papers published before the window are
    left out; a paper without a date is kept (the catalogue listed it as recent).
    """
    if days < 1:
        raise ValueError("days must be >= 1")
    report = report if report is not None else SourceReport()
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    base = base_url.rstrip("/") + "/"
    seen: set[str] = set()
    fetched = pages = 0
    for endpoint in ENDPOINTS:
        first: dict[str, str | int] = {"limit": page_size, "page": 1, "page_size": page_size}
        if endpoint == "papers/trending":
            first["max_age_days"] = days
        params: dict[str, str | int] | None = first
        url: str | None = urljoin(base, endpoint)
        for _ in range(max_pages):
            if url is None:
                break
            payload = await _get_json(client, url, params, attempts=attempts, sleep=sleep)
            rows, url, params = _page(payload, url, params, endpoint=endpoint)
            drafts = []
            for row in rows:
                draft = paper_draft(row)
                if draft is None:
                    report.skip()
                    continue
                if draft.arxiv_id in seen:
                    continue
                if endpoint == "papers/recent" and draft.published is not None and draft.published < cutoff:
                    continue
                seen.add(draft.arxiv_id)
                drafts.append(draft)
            pages += 1
            fetched += len(drafts)
            progress.update(fetched=fetched, page=pages)
            if drafts:
                yield drafts
            if not rows:
                break


async def _get_json(
    client: httpx.AsyncClient,
    url: str,
    params: dict[str, str | int] | None,
    *,
    attempts: int,
    sleep: Sleep,
) -> Any:
    try:
        response = await get_with_retries(client, url, params=params, attempts=attempts, sleep=sleep)
    except UpstreamError as exc:
        raise SourceUnavailable(f"Papers with Code {exc.reason}") from exc
    if response.status_code != 200:
        raise SourceUnavailable(f"Papers with Code answered HTTP {response.status_code} for {url}")
    try:
        return json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceUnavailable(f"Papers with Code answered invalid JSON ({exc})") from exc


def _page(
    payload: Any, url: str, params: dict[str, str | int] | None, *, endpoint: str
) -> tuple[list[Any], str | None, dict[str, str | int] | None]:
    """The rows of a page and the URL + params of the next one (``None`` when this is the last)."""
    if isinstance(payload, list):
        return payload, None, None
    if not isinstance(payload, dict):
        raise SourceUnavailable(f"Papers with Code {endpoint}: unexpected shape {type(payload).__name__}")
    rows = payload.get("results")
    if rows is None:
        rows = payload.get("items")
    if not isinstance(rows, list):
        raise SourceUnavailable(f"Papers with Code {endpoint}: no result list in the answer")
    following = payload.get("next")
    if isinstance(following, str) and following:
        # A DRF-style ``next`` link already carries every query parameter.
        return rows, urljoin(url, following), None
    next_page = payload.get("next_page")
    if (
        isinstance(next_page, int)
        and not isinstance(next_page, bool)
        and params is not None
        and next_page > int(params.get("page", 1))
    ):
        return rows, url, {**params, "page": next_page}
    return rows, None, None


def paper_draft(row: object) -> PaperDraft | None:
    """One catalogue paper as a draft; ``None`` without a (valid) arXiv id."""
    if not isinstance(row, dict):
        return None
    ident = split_arxiv_id(row.get("arxiv_id"))
    if ident is None:
        return None
    authors = []
    for author in row.get("authors") or []:
        name = clean_text(author.get("name")) if isinstance(author, dict) else clean_text(author)
        if name:
            authors.append(name)
    repo, stars = _repository(row.get("repositories"))
    return PaperDraft(
        arxiv_id=ident[0],
        source="pwc",
        version=ident[1],
        title=clean_text(row.get("title")),
        abstract=clean_text(row.get("abstract")),
        authors=authors,
        published=parse_timestamp(row.get("published") or row.get("date_published")),
        pdf_url=http_url(row.get("url_pdf")),
        sources=["pwc"],
        github_repo=repo,
        github_stars=stars,
        project_url=_first_url(row.get("project_pages")),
        organization=_first_name(row.get("organizations")),
        has_code=_has_code(row, repo),
    )


def _has_code(row: dict[str, Any], repo: str | None) -> bool | None:
    if row.get("has_official_implementation") is True or count(row.get("code_repository_count")) or repo:
        return True
    if "code_repository_count" in row or "has_official_implementation" in row:
        return False
    return None


def _repository(value: object) -> tuple[str | None, int | None]:
    """The official GitHub repository if one is marked, else the first, with its stars if given."""
    if not isinstance(value, list):
        return None, None
    candidates = [item for item in value if isinstance(item, dict | str)]
    candidates.sort(key=lambda item: not (isinstance(item, dict) and item.get("is_official") is True))
    for item in candidates:
        url = item.get("url") if isinstance(item, dict) else item
        repo = github_repo(url)
        if repo is not None:
            stars = None
            if isinstance(item, dict):
                stars = count(item.get("stars")) if "stars" in item else count(item.get("num_stars"))
            return repo, stars
    return None, None


def _first_url(value: object) -> str | None:
    for item in value if isinstance(value, list) else []:
        url = http_url(item.get("url") if isinstance(item, dict) else item)
        if url:
            return url
    return None


def _first_name(value: object) -> str | None:
    for item in value if isinstance(value, list) else []:
        name = clean_text(item.get("name")) if isinstance(item, dict) else clean_text(item)
        if name:
            return name
    return None
