"""Relevance 0 to 100 from four stored components, each in [0, 1]:

- ``interest``: match to the owner's interest profile. Each term scores where it occurs: 1.0 in the title,
  the topics or the tags, 0.6 in the abstract, 0 elsewhere (whole-word token match, plural-insensitive).
  Terms combine noisy-OR: ``1 - Π(1 - 0.7 · w/w_max · match)``, so the best term counts most, every further
  match adds less, and one title match of the heaviest term gives 0.7. An empty profile gives 0.
- ``community``: upvotes and GitHub stars, each log-scaled to saturate (``log1p(n)/log1p(saturation)``,
  capped at 1; 200 upvotes, 2,000 stars by default) and combined noisy-OR. Unknown counts are 0.
- ``recency``: ``0.5 ** (age_days / half_life_days)`` by ``published`` (else ``updated``) at ``now``;
  a date in the future counts as today; no date gives 0.
- ``code``: 1 with a GitHub repository (or a source saying code exists), 0.25 with only a project page
  (often where code and demos are linked), else 0.

``relevance = 100 · Σ weight·component / Σ weight``, rounded to 2 decimals; components are stored rounded
to 4. Weights default to interest 0.5, community 0.2, recency 0.2, code 0.1. Everything is a pure function
of the draft, the profile, the weights and ``now``, so a re-run scores identically.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from portfolio_scraper.enrich.tags import STOPWORDS
from portfolio_scraper.enrich.text import tokens
from portfolio_scraper.sources.types import PaperDraft

MATCH_TITLE = 1.0
MATCH_ABSTRACT = 0.6
TERM_STRENGTH = 0.7
COMPONENTS = ("interest", "community", "recency", "code")


@dataclass(frozen=True)
class ScoreWeights:
    """Weights of the components and the scales of the community and recency signals."""

    interest: float = 0.5
    community: float = 0.2
    recency: float = 0.2
    code: float = 0.1
    half_life_days: float = 7.0
    upvotes_saturation: int = 200
    stars_saturation: int = 2000
    project_page_code: float = 0.25

    def __post_init__(self) -> None:
        weights = [self.interest, self.community, self.recency, self.code]
        if min(weights) < 0 or sum(weights) <= 0:
            raise ValueError("score weights must be non-negative and not all zero")
        if self.half_life_days <= 0 or self.upvotes_saturation < 1 or self.stars_saturation < 1:
            raise ValueError("half life and saturations must be positive")


class InterestProfile:
    """The owner's interests as weighted terms.

    ``keywords`` get weight 1.0 unless ``weights`` says otherwise; ``weights`` may also add terms (say,
    technologies from core's tech stack at 1.0 and project titles at 0.5). Terms are matched as whole
    words; a term made only of stopwords or one letter ("Go", "R", "C") is ignored because it would
    match almost every abstract.
    """

    def __init__(self, keywords: Iterable[str] = (), weights: Mapping[str, float] | None = None) -> None:
        merged: dict[tuple[str, ...], tuple[str, float]] = {}
        raw = {term: 1.0 for term in keywords} | dict(weights or {})
        for term, weight in raw.items():
            key = tuple(tokens(term))
            if weight <= 0 or not key or all(w in STOPWORDS or len(w) < 2 for w in key):
                continue
            if key not in merged or merged[key][1] < weight:
                merged[key] = (term, float(weight))
        self.terms: dict[tuple[str, ...], tuple[str, float]] = merged
        self.max_weight = max((w for _, w in merged.values()), default=0.0)
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for key in merged:
            self._by_first.setdefault(key[0], []).append(key)

    def __repr__(self) -> str:
        return f"InterestProfile({[term for term, _ in self.terms.values()]!r})"

    def _present(self, words: tuple[str, ...]) -> set[tuple[str, ...]]:
        found: set[tuple[str, ...]] = set()
        for i, word in enumerate(words):
            for key in self._by_first.get(word, ()):
                if words[i : i + len(key)] == key:
                    found.add(key)
        return found

    def match(self, *, title: str, abstract: str, labels: Iterable[str] = ()) -> float:
        """The interest component in [0, 1] for a paper's title, abstract and topics + tags."""
        if not self.terms:
            return 0.0
        strong = self._present(tokens(title)) | {tokens(label) for label in labels}
        weak = self._present(tokens(abstract))
        miss = 1.0
        for key, (_, weight) in self.terms.items():
            found = MATCH_TITLE if key in strong else MATCH_ABSTRACT if key in weak else 0.0
            miss *= 1.0 - TERM_STRENGTH * (weight / self.max_weight) * found
        return 1.0 - miss


def _saturating(count: int | None, saturation: int) -> float:
    return min(1.0, math.log1p(count) / math.log1p(saturation)) if count else 0.0


def community(draft: PaperDraft, weights: ScoreWeights) -> float:
    """Upvotes and stars, log-scaled and combined noisy-OR, in [0, 1]."""
    upvotes = _saturating(draft.hf_upvotes, weights.upvotes_saturation)
    stars = _saturating(draft.github_stars, weights.stars_saturation)
    return 1.0 - (1.0 - upvotes) * (1.0 - stars)


def recency(draft: PaperDraft, now: datetime, half_life_days: float) -> float:
    """Exponential decay by age in days since publication, in [0, 1]; 0 when no date is known."""
    when = draft.published or draft.updated
    if when is None:
        return 0.0
    age_days = max(0.0, (now - when).total_seconds() / 86_400)
    return float(0.5 ** (age_days / half_life_days))


def code(draft: PaperDraft, weights: ScoreWeights) -> float:
    """1 with code (a repository or ``has_code``), ``project_page_code`` with only a project page, else 0."""
    if draft.github_repo or draft.has_code:
        return 1.0
    return weights.project_page_code if draft.project_url else 0.0


def score(
    draft: PaperDraft, profile: InterestProfile, *, now: datetime, weights: ScoreWeights | None = None
) -> tuple[float, dict[str, float]]:
    """Relevance 0 to 100 and its components (see the module docstring). Uses the draft's topics and tags."""
    weights = weights or ScoreWeights()
    components = {
        "interest": profile.match(
            title=draft.title or "", abstract=draft.abstract or "", labels=[*draft.topics, *draft.tags]
        ),
        "community": community(draft, weights),
        "recency": recency(draft, now, weights.half_life_days),
        "code": code(draft, weights),
    }
    shares = {"interest": weights.interest, "community": weights.community}
    shares |= {"recency": weights.recency, "code": weights.code}
    total = sum(shares[name] * components[name] for name in COMPONENTS) / sum(shares.values())
    return round(100.0 * total, 2), {name: round(value, 4) for name, value in components.items()}
