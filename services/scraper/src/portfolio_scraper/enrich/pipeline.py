"""The enrichment of a batch: merge → classify → tag → score → validate (re-exported by
:mod:`portfolio_scraper.enrich`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from portfolio_scraper.enrich.classifier import PaperText, TopicClassifier
from portfolio_scraper.enrich.merge import merge_drafts
from portfolio_scraper.enrich.score import InterestProfile, ScoreWeights, score
from portfolio_scraper.enrich.tags import tags_for
from portfolio_scraper.sources.types import PaperDraft
from portfolio_shared.schemas import Paper

logger = logging.getLogger(__name__)

# Draft fields that are not Paper fields: kept for enrichment only.
_DRAFT_ONLY = frozenset({"source", "ai_keywords", "has_code", "affiliations"})
_PAPER_FIELDS = frozenset(Paper.model_fields)


@dataclass(frozen=True)
class Rejected:
    """A merged draft that failed validation: its id, the sources that saw it, and why."""

    arxiv_id: str
    sources: list[str]
    reason: str


@dataclass
class EnrichResult:
    """Valid papers in first-seen order, and the rejected drafts."""

    papers: list[Paper] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def _reason(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'paper'}: {e['msg']}" for e in error.errors())


def to_paper(draft: PaperDraft) -> Paper:
    """Validate a merged, enriched draft as a ``Paper`` (raises ``pydantic.ValidationError``)."""
    data: dict[str, Any] = {}
    for name in _PAPER_FIELDS:
        value = getattr(draft, name, None)
        if value is not None:  # None means "not known": let the schema's default apply
            data[name] = value
    return Paper.model_validate(data)


def enrich(
    drafts: Iterable[PaperDraft],
    *,
    classifier: TopicClassifier,
    profile: InterestProfile,
    now: datetime,
    weights: ScoreWeights | None = None,
) -> EnrichResult:
    """Merge, classify, tag and score ``drafts``; validate each result as a ``Paper``.

    Deterministic for the same drafts, classifier, profile, weights and ``now`` (naive ``now`` is UTC).
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    result = EnrichResult()
    merged = merge_drafts(drafts)
    topics = classifier.classify_many([paper_text(draft) for draft in merged])
    for draft, computed in zip(merged, topics, strict=True):
        draft.topics = _union(draft.topics, computed)
        draft.tags = _union(draft.tags, tags_for(draft))
        draft.relevance, draft.relevance_components = score(draft, profile, now=now, weights=weights)
        try:
            result.papers.append(to_paper(draft))
        except ValidationError as error:
            rejected = Rejected(draft.arxiv_id, list(draft.sources or [draft.source]), _reason(error))
            result.rejected.append(rejected)
            logger.warning(
                "paper rejected",
                extra={"arxiv_id": rejected.arxiv_id, "sources": rejected.sources, "reason": rejected.reason},
            )
    return result


def enrich_papers(
    drafts: Iterable[PaperDraft],
    *,
    classifier: TopicClassifier,
    profile: InterestProfile,
    now: datetime,
    weights: ScoreWeights | None = None,
) -> list[Paper]:
    """The valid papers of :func:`enrich` (rejects are logged; use ``enrich`` to count them)."""
    return enrich(drafts, classifier=classifier, profile=profile, now=now, weights=weights).papers


def paper_text(draft: PaperDraft) -> PaperText:
    """What the topic classifier reads of a merged draft."""
    return PaperText(
        title=draft.title,
        abstract=draft.abstract,
        categories=draft.categories,
        primary=draft.primary_category,
        keywords=draft.ai_keywords,
    )


def _union(first: list[str], second: list[str]) -> list[str]:
    return list(dict.fromkeys([*first, *second]))
