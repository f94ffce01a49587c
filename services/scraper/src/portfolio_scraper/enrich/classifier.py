"""The topics that define a paper: phrase evidence plus closeness of its title and keywords to each topic.

For every topic ``t`` of the taxonomy (``taxonomy.toml``):

- ``points[t]``: the taxonomy's phrase and category points (title, abstract, arXiv categories; see
  :mod:`portfolio_scraper.enrich.topics`) plus Hugging Face ``ai_keywords`` matched like a title;
- ``similarity[t]``: the highest cosine between the embedding of "title. keyword, keyword" and the
  embeddings of ``t``'s ``prototypes`` (short descriptions of the topic), with the local MiniLM model —
  always local, whatever ``EMBEDDING_PROVIDER`` says, so topics do not depend on the deployment;
- ``score[t] = similarity_weight * similarity[t]
  + points_weight * min(points[t] / threshold[t], points_cap)``.

A topic is kept when it has evidence of its own (``points[t] ≥ min_points``), its score reaches the
absolute ``floor``, and it is within ``margin`` of the paper's best score; at most ``max_topics``, best first.
A paper gets no topic at all when it shows no AI/ML content: none of the ``[ml]`` phrases and
categories reach ``[ml].threshold``. The numbers live in the ``[classifier]`` section of the taxonomy and
were tuned on the ``tune`` split of ``evals/topics/topics_eval.jsonl`` only.

Only titles and keywords are embedded (short texts, one batched call per scrape), never abstracts.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from portfolio_scraper.enrich.topics import Taxonomy, Topic


class Embedder(Protocol):
    """What the classifier needs of an embedding provider: unit vectors, batched."""

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...


@dataclass(frozen=True)
class PaperText:
    """What topic classification reads of a paper."""

    title: str | None
    abstract: str | None = None
    categories: Sequence[str] = ()
    primary: str | None = None
    keywords: Sequence[str] = ()

    def embedded_text(self) -> str:
        """The text whose embedding is compared with the prototypes: the title, then the keywords."""
        title = (self.title or "").strip()
        return f"{title}. {', '.join(self.keywords)}" if self.keywords else title


@dataclass(frozen=True)
class ClassifierSettings:
    """The ``[classifier]`` section of the taxonomy (see the module docstring)."""

    similarity_weight: float = 2.0
    points_weight: float = 0.3
    points_cap: float = 3.0
    min_points: float = 2.0
    floor: float = 1.0
    margin: float = 1.0
    max_topics: int = 3

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ClassifierSettings:
        known = {f.name for f in fields(cls)}
        if set(raw) - known:
            raise ValueError(f"unknown classifier settings: {sorted(set(raw) - known)}")
        settings = cls(**raw)
        if not 1 <= settings.max_topics <= 3:
            raise ValueError("classifier max_topics must be 1 to 3")
        return settings


def _ml_gate(taxonomy: Taxonomy) -> tuple[Taxonomy, float] | None:
    raw = dict(taxonomy.extra.get("ml", {}))
    if not raw:
        return None
    unknown = set(raw) - {"phrases", "categories", "threshold"}
    if unknown:
        raise ValueError(f"unknown [ml] keys: {sorted(unknown)}")
    topic = Topic(
        name="AI/ML",
        phrases=dict.fromkeys(raw.get("phrases", []), 1.0),
        categories={str(k): float(v) for k, v in raw.get("categories", {}).items()},
    )
    return Taxonomy([topic], taxonomy.settings), float(raw.get("threshold", 1.0))


class TopicClassifier:
    """One to three defining topics per paper, none without AI/ML content. Thread-safe after ``warm_up``."""

    def __init__(self, taxonomy: Taxonomy, embedder: Embedder) -> None:
        missing = [t.name for t in taxonomy.topics if not t.prototypes]
        if missing:
            raise ValueError(f"taxonomy topics without prototypes: {missing}")
        self.taxonomy = taxonomy
        self.settings = ClassifierSettings.from_dict(taxonomy.extra.get("classifier", {}))
        self._gate = _ml_gate(taxonomy)
        self._embedder = embedder
        self._thresholds = np.array([t.threshold for t in taxonomy.topics], dtype=np.float32)
        self._prototypes: npt.NDArray[np.float32] | None = None
        owners = [n for n, t in enumerate(taxonomy.topics) for _ in t.prototypes]
        self._starts = np.flatnonzero(np.diff([-1, *owners]))  # first prototype row of each topic

    @classmethod
    def load(cls, path: str | Path | None = None, embedder: Embedder | None = None) -> TopicClassifier:
        """A classifier for a taxonomy file (the shipped one by default) and the local MiniLM embedder."""
        return cls(Taxonomy.load(path), embedder or local_embedder())

    @classmethod
    def default(cls) -> TopicClassifier:
        """The process's classifier with the shipped taxonomy (built once)."""
        return _default()

    def warm_up(self) -> None:
        """Load the model and embed the prototypes now rather than on the first paper."""
        self._prototype_matrix()

    def _prototype_matrix(self) -> npt.NDArray[np.float32]:
        if self._prototypes is None:
            texts = [p for t in self.taxonomy.topics for p in t.prototypes]
            self._prototypes = np.asarray(self._embedder.embed_documents(texts), dtype=np.float32)
        return self._prototypes

    def has_ml_content(self, paper: PaperText) -> bool:
        """Whether the paper shows any AI/ML content (the ``[ml]`` gate; always true without one)."""
        if self._gate is None:
            return True
        gate, threshold = self._gate
        text = " ".join([paper.abstract or "", *paper.keywords])
        points = gate.scores(paper.title, text, paper.categories, primary=paper.primary)
        return next(iter(points.values())) >= threshold

    def points(self, paper: PaperText) -> npt.NDArray[np.float32]:
        """Phrase and category points of every topic, ``ai_keywords`` counting like the title."""
        scores = self.taxonomy.scores(paper.title, paper.abstract, paper.categories, primary=paper.primary)
        values = np.array([scores[name] for name in self.taxonomy.names], dtype=np.float32)
        if paper.keywords:
            extra = self.taxonomy.scores(" ; ".join(paper.keywords), None)
            values += np.array([extra[name] for name in self.taxonomy.names], dtype=np.float32)
        return values

    def similarities(self, papers: Sequence[PaperText]) -> npt.NDArray[np.float32]:
        """Cosine of each paper's title and keywords to each topic's closest prototype (papers, topics)."""
        if not papers:
            return np.zeros((0, len(self.taxonomy.topics)), dtype=np.float32)
        vectors = np.asarray(
            self._embedder.embed_documents([p.embedded_text() for p in papers]), dtype=np.float32
        )
        cosines = vectors @ self._prototype_matrix().T
        return np.maximum.reduceat(cosines, self._starts, axis=1)

    def scores(self, papers: Sequence[PaperText]) -> list[dict[str, float]]:
        """Each topic's combined score for each paper (for inspection and tuning)."""
        return [
            dict(zip(self.taxonomy.names, (float(v) for v in row), strict=True))
            for row in self._combined(papers)[0]
        ]

    def _combined(
        self, papers: Sequence[PaperText]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        s = self.settings
        points = (
            np.stack([self.points(p) for p in papers]) if papers else np.zeros((0, len(self._thresholds)))
        )
        evidence = np.minimum(points / self._thresholds, s.points_cap)
        combined = s.similarity_weight * self.similarities(papers) + s.points_weight * evidence
        return combined.astype(np.float32), points.astype(np.float32)

    def classify_many(self, papers: Sequence[PaperText]) -> list[list[str]]:
        """The defining topics of each paper, best first; one batched embedding call for all of them."""
        s = self.settings
        papers = list(papers)
        combined, points = self._combined(papers)
        names = self.taxonomy.names
        result: list[list[str]] = []
        for paper, score, evidence in zip(papers, combined, points, strict=True):
            if not self.has_ml_content(paper):
                result.append([])
                continue
            eligible = (evidence >= s.min_points) & (score >= s.floor)
            if not eligible.any():
                result.append([])
                continue
            best = float(score[eligible].max())
            eligible &= score >= best - s.margin
            order = sorted(np.flatnonzero(eligible), key=lambda n: (-score[n], n))
            result.append([names[n] for n in order[: s.max_topics]])
        return result

    def classify(self, paper: PaperText) -> list[str]:
        """The defining topics of one paper (prefer :meth:`classify_many` for a batch)."""
        return self.classify_many([paper])[0]


def local_embedder() -> Embedder:
    """The process's local MiniLM provider (``portfolio_shared.embeddings``), loaded on first use."""
    from portfolio_shared.embeddings import get_embedding_provider

    return get_embedding_provider("local")


@functools.cache
def _default() -> TopicClassifier:
    return TopicClassifier.load()
