"""arXiv: the category/date query, paged to ``opensearch:totalResults``, and its Atom parsed with lxml.

Both generations of the API are understood. The backend that replaced the old one on 2025-11-11
answers an error with HTTP 400, the old one with HTTP 200; either way the body is a feed whose only
entry is titled ``Error``, which is an error of the job (:class:`SourceFailed`), never a paper. An
empty page before ``totalResults`` is a known flake and is retried a few times. Every request goes
through the process-wide :class:`ArxivRateLimiter`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from lxml import etree

from portfolio_scraper.sources.http import UpstreamError, get_with_retries
from portfolio_scraper.sources.limiter import ArxivRateLimiter, shared_limiter
from portfolio_scraper.sources.normalise import clean_text, parse_timestamp, split_arxiv_id
from portfolio_scraper.sources.types import (
    PaperDraft,
    Progress,
    SourceFailed,
    SourceReport,
    SourceUnavailable,
)

#: The API's largest page.
MAX_PAGE_SIZE = 2000

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_ID, _TITLE, _SUMMARY = _ATOM + "id", _ATOM + "title", _ATOM + "summary"
_PUBLISHED, _UPDATED = _ATOM + "published", _ATOM + "updated"
_AUTHOR, _NAME = _ATOM + "author", _ATOM + "name"
_CATEGORY, _LINK, _ENTRY = _ATOM + "category", _ATOM + "link", _ATOM + "entry"
_PRIMARY, _COMMENT = _ARXIV + "primary_category", _ARXIV + "comment"
_JOURNAL_REF, _DOI, _AFFILIATION = _ARXIV + "journal_ref", _ARXIV + "doi", _ARXIV + "affiliation"
_CATEGORY_NAME = re.compile(r"[a-z-]+(?:\.[A-Za-z-]+)?")


class ArxivApiError(SourceFailed):
    """arXiv answered its error feed (one entry titled ``Error``); the message is the entry's summary."""


@dataclass(slots=True)
class ArxivPage:
    """One parsed page: the result set's size, where the page starts, its entries as drafts."""

    total: int
    start: int
    entries: int  # <entry> elements on the page, including any that could not be kept
    drafts: list[PaperDraft]


def build_search_query(categories: Sequence[str], start: datetime, end: datetime) -> str:
    """``(cat:a OR cat:b) AND submittedDate:[YYYYMMDDHHMM TO YYYYMMDDHHMM]`` (UTC; naive means UTC)."""
    if not categories:
        raise ValueError("at least one arXiv category is needed")
    for category in categories:
        # A category goes into the query verbatim: refuse anything that could change its logic.
        if not _CATEGORY_NAME.fullmatch(category):
            raise ValueError(f"not an arXiv category: {category!r}")
    cats = " OR ".join(f"cat:{category}" for category in categories)
    return f"({cats}) AND submittedDate:[{_stamp(start)} TO {_stamp(end)}]"


def _stamp(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y%m%d%H%M")


def parse_feed(content: bytes, *, report: SourceReport | None = None) -> ArxivPage:
    """Parse one page of the API's Atom output.

    Raises :class:`SourceFailed` for malformed XML, :class:`ArxivApiError` (a ``SourceFailed``) for
    the API's error feed (its summary is the message) and :class:`SourceUnavailable` for XML that is
    not an arXiv result feed. Entries whose id is not an arXiv id are skipped and counted in ``report``.
    """
    # No entity expansion and no network: the feed comes from outside.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise SourceFailed(f"arXiv answered malformed XML: {exc}") from exc
    if root.tag != _ATOM + "feed":
        raise SourceUnavailable(f"arXiv answered XML that is not an Atom feed (root {root.tag!r})")
    total = _int(root.findtext(_OPENSEARCH + "totalResults"))
    if total is None:
        raise SourceUnavailable("arXiv feed without opensearch:totalResults")
    start = _int(root.findtext(_OPENSEARCH + "startIndex")) or 0
    entries = root.findall(_ENTRY)
    if len(entries) == 1:
        message = _error_message(entries[0])
        if message is not None:
            raise ArxivApiError(f"arXiv API error: {message}")
    drafts = []
    for entry in entries:
        draft = _entry_draft(entry)
        if draft is None:
            if report is not None:
                report.skip()
        else:
            drafts.append(draft)
    return ArxivPage(total=total, start=start, entries=len(entries), drafts=drafts)


def _int(text: str | None) -> int | None:
    try:
        return int(text.strip()) if text is not None else None
    except ValueError:
        return None


def _error_message(entry: etree._Element) -> str | None:
    # A real paper's id is always an abstract page; the error entry's is an .../api/errors#... link.
    if (entry.findtext(_TITLE) or "").strip() != "Error" or "/abs/" in (entry.findtext(_ID) or ""):
        return None
    return clean_text(entry.findtext(_SUMMARY)) or "unspecified error"


def _entry_draft(entry: etree._Element) -> PaperDraft | None:
    raw_id = title = summary = published = updated = primary = comment = journal_ref = doi = None
    abs_url = pdf_url = doi_url = None
    authors: list[str] = []
    affiliations: list[str] = []
    categories: list[str] = []
    for child in entry:
        tag = child.tag
        if tag == _ID:
            raw_id = child.text
        elif tag == _TITLE:
            title = child.text
        elif tag == _SUMMARY:
            summary = child.text
        elif tag == _AUTHOR:
            name = clean_text(child.findtext(_NAME))
            if name:
                authors.append(name)
            for element in child.iterfind(_AFFILIATION):
                affiliation = clean_text(element.text)
                if affiliation and affiliation not in affiliations:
                    affiliations.append(affiliation)
        elif tag == _CATEGORY:
            term = child.get("term")
            if term and term not in categories:
                categories.append(term)
        elif tag == _LINK:
            rel, kind, href = child.get("rel"), child.get("title"), child.get("href")
            if rel == "alternate":
                abs_url = href
            elif kind == "pdf":
                pdf_url = href
            elif kind == "doi":
                doi_url = href
        elif tag == _PUBLISHED:
            published = child.text
        elif tag == _UPDATED:
            updated = child.text
        elif tag == _PRIMARY:
            primary = child.get("term")
        elif tag == _COMMENT:
            comment = child.text
        elif tag == _JOURNAL_REF:
            journal_ref = child.text
        elif tag == _DOI:
            doi = child.text
    ident = _abs_id(raw_id) or _abs_id(abs_url)
    if ident is None:
        return None
    arxiv_id, version = ident
    if version is None and abs_url:
        # Some ids come without a version while the abstract link carries it.
        version = (_abs_id(abs_url) or ident)[1]
    if primary and primary not in categories:
        categories.insert(0, primary)
    if doi is None and doi_url and "doi.org/" in doi_url:
        doi = doi_url.split("doi.org/", 1)[1]
    return PaperDraft(
        arxiv_id=arxiv_id,
        source="arxiv",
        version=version,
        title=clean_text(title),
        abstract=clean_text(summary),
        authors=authors,
        primary_category=primary or (categories[0] if categories else None),
        categories=categories,
        published=parse_timestamp(published),
        updated=parse_timestamp(updated),
        abs_url=clean_text(abs_url),
        pdf_url=clean_text(pdf_url),
        doi=clean_text(doi),
        journal_ref=clean_text(journal_ref),
        comment=clean_text(comment),
        sources=["arxiv"],
        affiliations=affiliations,
    )


def _abs_id(url: str | None) -> tuple[str, int | None] | None:
    if not url or "/abs/" not in url:
        return None
    return split_arxiv_id(url.strip().split("/abs/", 1)[1])


def _rate_exceeded(response: httpx.Response) -> bool:
    # When it throttles, arXiv may answer a bare text "Rate exceeded." instead of a feed.
    return response.content[:64].lstrip().startswith(b"Rate exceeded")


async def fetch_arxiv(
    client: httpx.AsyncClient,
    *,
    base_url: str,
    categories: Sequence[str],
    start: datetime,
    end: datetime,
    progress: Progress,
    page_size: int = MAX_PAGE_SIZE,
    limiter: ArxivRateLimiter | None = None,
    attempts: int = 5,
    empty_page_retries: int = 3,
    report: SourceReport | None = None,
) -> AsyncIterator[list[PaperDraft]]:
    """Yield the papers submitted in ``[start, end]`` in ``categories``, one list per page, newest first.

    Raises :class:`SourceFailed` for an error feed, malformed XML or an empty page that stays empty
    after ``empty_page_retries`` retries, and :class:`SourceUnavailable` when arXiv stays unreachable,
    throttled or slow through ``attempts`` attempts or answers something that is not a result feed.
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
    limiter = limiter or shared_limiter()
    query = build_search_query(categories, start, end)
    offset = fetched = pages = empties = 0
    total: int | None = None
    while total is None or offset < total:
        params: dict[str, str | int] = {
            "search_query": query,
            "sortBy": "submittedDate",
            "sortOrder": "descending",
            "start": offset,
            "max_results": page_size,
        }
        page = await _fetch_page(client, base_url, params, limiter=limiter, attempts=attempts, report=report)
        total = page.total
        progress.update(total=total)
        if page.entries == 0:
            if offset >= total:
                break
            empties += 1
            if empties > empty_page_retries:
                raise SourceFailed(
                    f"arXiv returned an empty page at start={offset} of {total} results "
                    f"{empties} times in a row"
                )
            continue
        empties = 0
        pages += 1
        offset += page.entries
        fetched += len(page.drafts)
        progress.update(fetched=fetched, total=total, page=pages)
        if page.drafts:
            yield page.drafts


async def _fetch_page(
    client: httpx.AsyncClient,
    base_url: str,
    params: dict[str, str | int],
    *,
    limiter: ArxivRateLimiter,
    attempts: int,
    report: SourceReport | None,
) -> ArxivPage:
    try:
        response = await get_with_retries(
            client,
            base_url,
            params=params,
            attempts=attempts,
            sleep=limiter.sleep,
            slot=limiter.slot,
            base_delay=max(limiter.min_interval, 1.0),
            throttled=_rate_exceeded,
        )
    except UpstreamError as exc:
        raise SourceUnavailable(f"arXiv {exc.reason}") from exc
    if response.status_code == 400:
        # The new backend's error feed: parse_feed raises ArxivApiError with its summary.
        try:
            parse_feed(response.content)
        except ArxivApiError:
            raise
        except (SourceFailed, SourceUnavailable):
            pass
        raise SourceFailed(f"arXiv answered HTTP 400: {response.text[:200]}")
    if response.status_code != 200:
        raise SourceUnavailable(f"arXiv answered HTTP {response.status_code}")
    return parse_feed(response.content, report=report)
