"""Questions the chat page offers: starters built from the owner's content and two follow-ups
after each answer, computed from what the answer cited.

Each question names its subject concretely ("What is evalkit?"), so the retriever finds the
passage without the conversation's context, and carries no chatter word the keyword side would
have to match.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from redis.exceptions import RedisError

from content.models import JourneyEntry, Profile, Project
from papers.models import Paper

logger = logging.getLogger(__name__)
CACHE_KEY = "chatbot:starters"
CACHE_SECONDS = 300
FOLLOW_UPS = 2
FEATURED = 2
PAPER_WEEK = timedelta(days=7)


def short_title(title: str) -> str:
    """A project's name without its tagline ("evalkit — reproducible LLM evaluation" -> "evalkit")."""
    for dash in (" \u2014 ", " \u2013 ", " - ", ": "):  # em dash, en dash
        if dash in title:
            return title.split(dash, 1)[0].strip()
    return title.strip()


def about(project: Project) -> str:
    return f"What is {short_title(project.title)}?"


def technologies(project: Project) -> str:
    return f"What technologies are in {short_title(project.title)}?"


def _owner() -> str:
    profile = Profile.objects.only("name").first()
    return profile.name.split()[0] if profile and profile.name.strip() else "the owner"


def _journey_question(entry: JourneyEntry) -> str:
    if entry.organisation:
        verb = "study" if entry.kind == JourneyEntry.Kind.EDUCATION else "do"
        return f"What did {_owner()} {verb} at {entry.organisation}?"
    return f"Tell me about {entry.title}"


def _build_starters() -> list[dict[str, str]]:
    starters = [
        {"question": about(project), "kind": "project"}
        for project in Project.objects.filter(featured=True).order_by("order", "-created_at")[:FEATURED]
    ]
    latest = JourneyEntry.objects.order_by("-start", "order").first()
    if latest is not None:
        starters.append({"question": _journey_question(latest), "kind": "journey"})
    since = timezone.now() - PAPER_WEEK
    paper = (
        Paper.objects.filter(hidden=False)
        .filter(Q(published__gte=since) | Q(created__gte=since))
        .order_by("-relevance", "-id")
        .only("title")
        .first()
    )
    if paper is not None:
        starters.append({"question": f"What is {paper.title} about?", "kind": "paper"})
    return starters


def starters() -> list[dict[str, str]]:
    """The starter questions (cached for ``CACHE_SECONDS``): the featured projects, the latest
    journey entry and the most relevant paper of the week, each present only when it exists."""
    try:
        cached = cache.get(CACHE_KEY)
    except RedisError:
        logger.warning("suggestion cache unavailable", exc_info=True)
        cached = None
    if cached is not None:
        return list(cached)
    built = _build_starters()
    try:
        cache.set(CACHE_KEY, built, CACHE_SECONDS)
    except RedisError:
        logger.warning("suggestion cache unavailable; starters not kept", exc_info=True)
    return built


def _cited_project(citations: list[dict[str, Any]]) -> Project | None:
    for citation in citations:
        url = str(citation.get("url") or "").rstrip("/")
        slug = url.rsplit("/projects/", 1)[1] if "/projects/" in url else None
        project = Project.objects.filter(Q(slug=slug) if slug else Q(title=citation.get("title"))).first()
        if project is not None:
            return project
    return None


def follow_ups(*, question: str, citations: list[dict[str, Any]]) -> list[str]:
    """Two questions to ask next: about the cited project (its technologies, then another
    featured project), else the starters; never the question just asked."""
    asked = question.strip().rstrip("?").casefold()
    candidates: list[str] = []
    project = _cited_project(citations) if citations else None
    if project is not None:
        candidates += [technologies(project), about(project)]
        others = Project.objects.filter(featured=True).exclude(pk=project.pk).order_by("order", "-created_at")
        candidates += [about(other) for other in others[:FEATURED]]
    candidates += [starter["question"] for starter in starters()]
    chosen: list[str] = []
    for candidate in candidates:
        if candidate.rstrip("?").casefold() != asked and candidate not in chosen:
            chosen.append(candidate)
        if len(chosen) == FOLLOW_UPS:
            break
    return chosen
