"""The owner's interests: relevance keywords plus core's tech stack and projects (its public API).

The relevance keywords are the ones the owner edits in core's admin, each with its weight, read
with a service token from ``GET {CORE_URL}/api/internal/relevance-keywords/``; when core has none,
or cannot be asked, the configured ``INTEREST_KEYWORDS`` (weight 1.0) take their place.
Technologies (the tech stack, and what each project is built with) weigh 1.0; project titles weigh
:data:`PROJECT_TITLE_WEIGHT`, being longer and vaguer phrases.

``GET {CORE_URL}/api/tech-stack/`` and ``GET {CORE_URL}/api/projects/`` are paginated
(``{count, next, previous, results}``); every page is read, up to a bound. When core cannot be
reached or answers something unexpected the keywords alone are used, and the job records that it
fell back (``origin``) and where its keywords came from (``keywords_from``): scoring goes on either
way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from portfolio_shared.clients import CoreClient
from portfolio_shared.contracts import CORE_PROJECTS, CORE_TECH_STACK
from portfolio_shared.errors import PortfolioError

logger = logging.getLogger(__name__)

TECH_STACK_PATH = CORE_TECH_STACK.path
PROJECTS_PATH = CORE_PROJECTS.path
PAGE_SIZE = 200
MAX_PAGES = 10
PROJECT_TITLE_WEIGHT = 0.5


@dataclass(frozen=True)
class Interests:
    """Terms to score papers against and where they came from (``core`` or ``fallback``).

    ``keywords`` weigh 1.0; ``weights`` adds terms with their own weight. ``keywords_from`` says
    whether the relevance keywords are core's admin's (``core``) or ``INTEREST_KEYWORDS``
    (``environment``).
    """

    keywords: list[str]
    origin: str
    reason: str | None = None
    weights: dict[str, float] = field(default_factory=dict)
    keywords_from: str = "environment"

    def summary(self) -> dict[str, Any]:
        """What a job records about its profile."""
        out: dict[str, Any] = {
            "origin": self.origin,
            "keywords": len(self.keywords) + len(self.weights),
            "keywords_from": self.keywords_from,
        }
        if self.reason:
            out["reason"] = self.reason
        return out


def unique_keywords(values: Iterable[str | None]) -> list[str]:
    """Stripped, non-empty, first occurrence kept (case-insensitively)."""
    seen: set[str] = set()
    out = []
    for value in values:
        text = " ".join((value or "").split())
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
    return out


class InvalidAnswer(Exception):
    """Core answered, but not a page of results."""


async def _all_results(client: httpx.AsyncClient, url: str) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    next_url: str | None = url
    params: dict[str, int] | None = {"page_size": PAGE_SIZE}
    for _ in range(MAX_PAGES):
        if next_url is None:
            break
        response = await client.get(next_url, params=params)
        response.raise_for_status()
        body = response.json()
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise InvalidAnswer(f"{url} did not answer a page of results")
        results.extend(item for item in body["results"] if isinstance(item, dict))
        next_url = body.get("next") if isinstance(body.get("next"), str) else None
        params = None  # the next link carries its own query
    return results


def terms_from(tech_stack: Sequence[dict[str, Any]], projects: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Technology names (1.0) and project titles (0.5) from core's answers."""
    technologies: list[str | None] = [item.get("name") for item in tech_stack]
    titles: list[str | None] = []
    for project in projects:
        titles.append(project.get("title"))
        used = project.get("technologies")
        if isinstance(used, list):
            technologies.extend(tech.get("name") for tech in used if isinstance(tech, dict))
    terms = dict.fromkeys(unique_keywords(t for t in titles if isinstance(t, str)), PROJECT_TITLE_WEIGHT)
    terms.update(dict.fromkeys(unique_keywords(t for t in technologies if isinstance(t, str)), 1.0))
    return terms


async def admin_keywords(core: CoreClient) -> dict[str, float]:
    """The relevance keywords of core's admin with their weights; empty when there are none or core
    cannot be asked (logged: the configured keywords then stand in)."""
    try:
        keywords = await core.relevance_keywords()
    except PortfolioError as exc:
        logger.warning(
            "relevance keywords from core unavailable, using INTEREST_KEYWORDS",
            extra={"error": f"{exc.error_code}: {exc.message}"[:300]},
        )
        return {}
    terms = unique_keywords(k.term for k in keywords)
    weights = {k.term: k.weight for k in keywords}
    return {term: weights[term] for term in terms}


async def load_interests(
    client: httpx.AsyncClient, core_url: str, configured: Sequence[str], *, core: CoreClient | None = None
) -> Interests:
    """Core's relevance keywords (through ``core``; else the configured ones) plus core's terms; the
    keywords alone when core's tech stack and projects cannot be read."""
    base = core_url.rstrip("/")
    weighted = await admin_keywords(core) if core is not None else {}
    keywords = [] if weighted else unique_keywords(configured)
    keywords_from = "core" if weighted else "environment"
    try:
        tech_stack = await _all_results(client, base + TECH_STACK_PATH)
        projects = await _all_results(client, base + PROJECTS_PATH)
    except (httpx.HTTPError, ValueError, InvalidAnswer) as exc:
        reason = f"{type(exc).__name__}: {exc}"[:300]
        logger.warning(
            "interest profile from core unavailable, using the keywords alone", extra={"error": reason}
        )
        return Interests(keywords, "fallback", reason, weights=weighted, keywords_from=keywords_from)
    # The owner's keywords come last: for the same term, their weight replaces the tech stack's.
    terms = terms_from(tech_stack, projects) | weighted
    return Interests(keywords, "core", weights=terms, keywords_from=keywords_from)
