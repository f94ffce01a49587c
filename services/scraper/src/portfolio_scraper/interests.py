"""The owner's interests: configured keywords plus core's tech stack and projects (its public API).

Configured keywords and technologies (the tech stack, and what each project is built with) weigh
1.0; project titles weigh :data:`PROJECT_TITLE_WEIGHT`, being longer and vaguer phrases.

``GET {CORE_URL}/api/tech-stack/`` and ``GET {CORE_URL}/api/projects/`` are paginated
(``{count, next, previous, results}``); every page is read, up to a bound. When core cannot be
reached or answers something unexpected the configured ``INTEREST_KEYWORDS`` alone are used, and
the job records that it fell back: scoring goes on either way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

logger = logging.getLogger(__name__)

TECH_STACK_PATH = "/api/tech-stack/"
PROJECTS_PATH = "/api/projects/"
PAGE_SIZE = 200
MAX_PAGES = 10
PROJECT_TITLE_WEIGHT = 0.5


@dataclass(frozen=True)
class Interests:
    """Terms to score papers against and where they came from (``core`` or ``fallback``).

    ``keywords`` weigh 1.0; ``weights`` adds terms with their own weight.
    """

    keywords: list[str]
    origin: str
    reason: str | None = None
    weights: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """What a job records about its profile."""
        out: dict[str, Any] = {"origin": self.origin, "keywords": len(self.keywords) + len(self.weights)}
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


async def load_interests(client: httpx.AsyncClient, core_url: str, configured: Sequence[str]) -> Interests:
    """Configured keywords plus core's terms; the configured ones alone when core fails."""
    base = core_url.rstrip("/")
    keywords = unique_keywords(configured)
    try:
        tech_stack = await _all_results(client, base + TECH_STACK_PATH)
        projects = await _all_results(client, base + PROJECTS_PATH)
    except (httpx.HTTPError, ValueError, InvalidAnswer) as exc:
        reason = f"{type(exc).__name__}: {exc}"[:300]
        logger.warning(
            "interest profile from core unavailable, using INTEREST_KEYWORDS", extra={"error": reason}
        )
        return Interests(keywords, "fallback", reason)
    return Interests(keywords, "core", weights=terms_from(tech_stack, projects))
