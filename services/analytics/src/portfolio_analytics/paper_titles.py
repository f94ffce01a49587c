"""Papers' titles beside their arXiv ids in the dashboard's ranked lists.

Analytics records a paper by its id only; core holds the titles and answers a batch lookup
(``PAPER_TITLES``, ``POST /api/internal/papers/titles/``, this service's own token). A title (or
core's "no such paper") is kept in this process for :data:`TITLE_TTL`, so the dashboard's reads
ask core only for ids they have not seen lately. When core cannot be asked (down, slow, refusing
the token, or this service has no signing key) the ids still come back, with ``title`` null, and
core is not asked again for :data:`FAILURE_TTL`: a dashboard read never waits on a down core for
longer than one lookup's timeout.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from portfolio_shared.auth import token_provider_from_settings
from portfolio_shared.clients import CoreClient
from portfolio_shared.errors import PortfolioError
from portfolio_shared.schemas import MAX_TITLE_LOOKUP, is_arxiv_id
from portfolio_shared.settings import ServiceSettings

logger = logging.getLogger(__name__)

#: How long a looked-up title (or its absence) is kept. Titles rarely change; a new paper's
#: title shows within this long.
TITLE_TTL = 300.0
#: After a failed lookup, how long the dashboard answers without asking core again.
FAILURE_TTL = 15.0
#: A lookup gives up this soon (no retry): the titles are an extra, the figures must not wait.
LOOKUP_TIMEOUT = httpx.Timeout(connect=1.0, read=2.0, write=2.0, pool=1.0)
#: Past this many remembered ids, expired entries are dropped (the ranked lists are short).
MAX_REMEMBERED = 10_000

#: The ranked lists that name papers, by where they sit in a metrics answer: ``papers.<key>``
#: in the summary, ``papers`` itself in ``/metrics/popular``.
PAPER_LISTS = ("mostViewed", "mostShared")


class PaperTitles:
    """Looks titles up in core and remembers them briefly (one per app, see :func:`with_titles`)."""

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._transport = transport
        self._client: CoreClient | None = None
        self._known: dict[str, tuple[float, str | None]] = {}
        self._quiet_until = 0.0

    def _core(self) -> CoreClient:
        if self._client is None:
            self._client = CoreClient.from_settings(
                self._settings,
                token_provider=token_provider_from_settings(self._settings),
                timeout=LOOKUP_TIMEOUT,
                retries=0,
                transport=self._transport,
            )
        return self._client

    async def titles(self, ids: Iterable[str]) -> dict[str, str | None]:
        """``{id: title or None}`` for ``ids``; never raises for core's failures."""
        now = self._clock()
        wanted = list(dict.fromkeys(ids))
        missing = [i for i in wanted if is_arxiv_id(i) and self._fresh(i, now) is None]
        if missing and now >= self._quiet_until:
            await self._look_up(missing[:MAX_TITLE_LOOKUP], now)
        return {i: (entry[1] if (entry := self._fresh(i, now)) else None) for i in wanted}

    def _fresh(self, arxiv_id: str, now: float) -> tuple[float, str | None] | None:
        entry = self._known.get(arxiv_id)
        return entry if entry is not None and entry[0] > now else None

    async def _look_up(self, ids: list[str], now: float) -> None:
        try:
            found = await self._core().paper_titles(ids)
        except (PortfolioError, httpx.HTTPError, ValueError) as exc:
            # ValueError: token mode without this service's SERVICE_SIGNING_KEY.
            self._quiet_until = now + FAILURE_TTL
            logger.warning("paper titles unavailable from core: %s", exc)
            return
        if len(self._known) > MAX_REMEMBERED:
            self._known = {k: v for k, v in self._known.items() if v[0] > now}
        expires = now + TITLE_TTL
        for arxiv_id in ids:
            self._known[arxiv_id] = (expires, found.get(arxiv_id))

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _paper_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    papers = result.get("papers")
    if isinstance(papers, list):  # /metrics/popular
        lists: list[Any] = [papers]
    elif isinstance(papers, dict):  # /metrics/summary
        lists = [papers.get(key) for key in PAPER_LISTS]
    else:
        return []
    return [row for rows in lists if isinstance(rows, list) for row in rows if isinstance(row, dict)]


async def with_titles(titles: PaperTitles | None, result: dict[str, Any]) -> dict[str, Any]:
    """``result`` (a metrics answer) with ``title`` beside every ranked paper's ``id`` (null when
    unknown); the rows are copied, so a cached answer is never changed."""
    rows = _paper_rows(result)
    if not rows:
        return result
    found = await titles.titles(str(row.get("id")) for row in rows) if titles is not None else {}
    named = {id(row): {**row, "title": found.get(str(row.get("id")))} for row in rows}

    def rename(rows: Any) -> Any:
        return [named.get(id(row), row) for row in rows] if isinstance(rows, list) else rows

    papers = result["papers"]
    if isinstance(papers, list):
        return {**result, "papers": rename(papers)}
    return {
        **result,
        "papers": {**papers, **{key: rename(papers.get(key)) for key in PAPER_LISTS if key in papers}},
    }
