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

With the shipped fitted model (:class:`TopicModel`, ``topic_model.json``), a logistic regression per topic
over :data:`FEATURES` decides instead: the two cosines (to the descriptions and to the tune papers' centroid
of the topic), the points, and the **neighbour vote** (the cosine-weighted share of the paper's
:data:`NEIGHBOURS` nearest labelled tune papers that have the topic; the tune papers' embeddings ship in the
model as int8), each also as its gap to the paper's best topic.

Only titles and keywords are embedded (short texts, one batched call per scrape), never abstracts.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from importlib import resources
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
    #: A topic other than the paper's best needs evidence outside the abstract (a phrase in the title or
    #: keywords, or a category): a topic only mentioned in the abstract does not define the paper.
    secondary_needs_head: bool = True

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


#: Names of the per-topic features the fitted model reads, in order (see :meth:`TopicClassifier.features`).
FEATURES = (
    "description_cosine",  # cosine to the closest description in the taxonomy's `prototypes`
    "prototype_cosine",  # cosine to the centroid of the tune papers labelled with the topic
    "evidence",  # min(points / threshold, points_cap): phrase and category points
    "head_evidence",  # the same without the abstract's phrases: title, keywords and categories only
    "description_gap",  # description_cosine minus the paper's best description_cosine
    "prototype_gap",  # prototype_cosine minus the paper's best prototype_cosine
    "evidence_gap",  # evidence minus the paper's best evidence
    "has_points",  # 1 when points >= min_points
    "neighbour_vote",  # share of the paper's NEIGHBOURS nearest labelled tune papers that have the topic
    "neighbour_gap",  # neighbour_vote minus the paper's best neighbour_vote
)

#: How many labelled tune papers vote on a paper's topics (``neighbour_vote``), weighted by cosine. Chosen by
#: cross-validation on the tune split (evals/topics/README.md, round 5).
NEIGHBOURS = 10


def neighbour_votes(
    vectors: npt.NDArray[np.float32],
    bank: npt.NDArray[np.float32],
    labels: npt.NDArray[np.float64],
    k: int | None = None,
    *,
    exclude_self: bool = False,
) -> npt.NDArray[np.float64]:
    """Per paper and topic, the cosine-weighted share of the ``k`` nearest papers of ``bank`` (unit title and
    keyword embeddings) labelled with the topic (papers, topics); ``k`` defaults to :data:`NEIGHBOURS`;
    ``exclude_self`` when ``vectors`` is ``bank`` (a paper does not vote for itself while fitting)."""
    if not len(vectors) or not len(bank):
        return np.zeros((len(vectors), labels.shape[1]))
    cosines = np.asarray(vectors @ bank.T, dtype=np.float64)
    if exclude_self:
        np.fill_diagonal(cosines, -np.inf)
    k = min(NEIGHBOURS if k is None else k, bank.shape[0] - (1 if exclude_self else 0))
    nearest = np.argpartition(-cosines, k - 1, axis=1)[:, :k]
    weights = np.maximum(np.take_along_axis(cosines, nearest, axis=1), 0.0) + 1e-6
    votes = np.einsum("pk,pkt->pt", weights, labels[nearest])
    return np.asarray(votes / weights.sum(axis=1, keepdims=True), dtype=np.float64)


#: The fitted model shipped beside the taxonomy (written by ``python -m portfolio_scraper.enrich.fit``).
MODEL_FILE = "topic_model.json"


@dataclass(frozen=True)
class TopicModel:
    """A logistic regression per topic over :data:`FEATURES`, fitted on the tune split with numpy.

    ``probability[t] = sigmoid(bias[t] + (shared + per_topic[t]) · (x[t] - mean) / scale)``; a topic is kept
    when its probability reaches its own cut-off, ``max(threshold, topic_thresholds[t])``, and ``relative``
    times the paper's best probability. The per-topic cut-offs are chosen by cross-validation on the tune
    split (each topic's F-score over out-of-fold probabilities), so a topic that over-tags (NLP beside
    LLM, MLOps beside systems papers, Efficiency beside papers that mention speed) needs more confidence
    than one that does not.
    ``centroids`` are the unit centroids of the tune papers' title-and-keyword embeddings per topic;
    ``bank`` the tune papers' unit embeddings themselves (stored as int8) and ``bank_labels`` their topics
    (0/1), for the ``neighbour_vote`` feature.
    """

    topics: tuple[str, ...]
    centroids: npt.NDArray[np.float32]  # (topics, dim)
    mean: npt.NDArray[np.float64]  # (features,)
    scale: npt.NDArray[np.float64]
    shared: npt.NDArray[np.float64]  # (features,)
    per_topic: npt.NDArray[np.float64]  # (topics, features)
    bias: npt.NDArray[np.float64]  # (topics,)
    threshold: float
    relative: float
    info: Mapping[str, Any]
    topic_thresholds: npt.NDArray[np.float64] | None = None  # (topics,); None: ``threshold`` for every topic
    bank: npt.NDArray[np.float32] | None = None  # (papers, dim)
    bank_labels: npt.NDArray[np.float64] | None = None  # (papers, topics)

    def votes(self, vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """:func:`neighbour_votes` of papers over the model's bank (zeros without one)."""
        if self.bank is None or self.bank_labels is None:
            return np.zeros((len(vectors), len(self.topics)))
        return neighbour_votes(vectors, self.bank, self.bank_labels)

    @property
    def cutoffs(self) -> npt.NDArray[np.float64]:
        """Each topic's probability cut-off: the global threshold or the topic's own, whichever is higher."""
        own = np.zeros(len(self.topics)) if self.topic_thresholds is None else self.topic_thresholds
        return np.maximum(self.threshold, own)

    def probabilities(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """(papers, topics) probabilities from (papers, topics, features) features."""
        z = (x - self.mean) / self.scale
        logits = np.einsum("ptf,tf->pt", z, self.shared[None, :] + self.per_topic) + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-logits)), dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "topics": list(self.topics),
            "threshold": self.threshold,
            "topic_thresholds": [round(float(v), 4) for v in self.cutoffs],
            "relative": self.relative,
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "shared": [round(float(v), 6) for v in self.shared],
            "per_topic": [[round(float(v), 6) for v in row] for row in self.per_topic],
            "bias": [round(float(v), 6) for v in self.bias],
            "centroids": [[round(float(v), 5) for v in row] for row in self.centroids],
            **_bank_to_dict(self.bank, self.bank_labels),
            "info": dict(self.info),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> TopicModel:
        if list(raw["features"]) != list(FEATURES):
            raise ValueError(f"topic model features {raw['features']} are not {list(FEATURES)}; re-fit it")
        return cls(
            topics=tuple(raw["topics"]),
            centroids=np.asarray(raw["centroids"], dtype=np.float32),
            mean=np.asarray(raw["mean"], dtype=np.float64),
            scale=np.asarray(raw["scale"], dtype=np.float64),
            shared=np.asarray(raw["shared"], dtype=np.float64),
            per_topic=np.asarray(raw["per_topic"], dtype=np.float64),
            bias=np.asarray(raw["bias"], dtype=np.float64),
            threshold=float(raw["threshold"]),
            relative=float(raw["relative"]),
            info=dict(raw.get("info", {})),
            topic_thresholds=np.asarray(raw["topic_thresholds"], dtype=np.float64),
            **_bank_from_dict(raw, len(raw["topics"])),
        )

    @classmethod
    def shipped(cls) -> TopicModel | None:
        """The model shipped with the package, if any."""
        file = resources.files(__package__).joinpath(MODEL_FILE)
        return cls.from_dict(json.loads(file.read_text(encoding="utf-8"))) if file.is_file() else None


def _bank_to_dict(
    bank: npt.NDArray[np.float32] | None, labels: npt.NDArray[np.float64] | None
) -> dict[str, Any]:
    """The bank as int8 (unit vectors times 127, base64, row-major) and each paper's topic numbers."""
    if bank is None or labels is None:
        return {}
    quantised = np.clip(np.rint(bank * 127.0), -127, 127).astype(np.int8)
    return {
        "bank_shape": list(bank.shape),
        "bank_int8": base64.b64encode(quantised.tobytes()).decode("ascii"),
        "bank_topics": [[int(n) for n in np.flatnonzero(row)] for row in labels],
    }


def _bank_from_dict(raw: Mapping[str, Any], topics: int) -> dict[str, Any]:
    if "bank_int8" not in raw:
        return {}
    rows, dim = raw["bank_shape"]
    quantised = np.frombuffer(base64.b64decode(raw["bank_int8"]), dtype=np.int8).reshape(rows, dim)
    bank = quantised.astype(np.float32) / 127.0
    bank /= np.maximum(np.linalg.norm(bank, axis=1, keepdims=True), 1e-9)
    labels = np.zeros((rows, topics))
    for row, numbers in enumerate(raw["bank_topics"]):
        labels[row, numbers] = 1.0
    return {"bank": bank.astype(np.float32), "bank_labels": labels}


class TopicClassifier:
    """One to three defining topics per paper, none without AI/ML content. Thread-safe after ``warm_up``."""

    def __init__(self, taxonomy: Taxonomy, embedder: Embedder, model: TopicModel | None = None) -> None:
        missing = [t.name for t in taxonomy.topics if not t.prototypes]
        if missing:
            raise ValueError(f"taxonomy topics without prototypes: {missing}")
        self.taxonomy = taxonomy
        self.settings = ClassifierSettings.from_dict(taxonomy.extra.get("classifier", {}))
        self._gate = _ml_gate(taxonomy)
        self._embedder = embedder
        if model is not None and model.topics != tuple(taxonomy.names):
            raise ValueError(f"topic model topics {model.topics} differ from the taxonomy's {taxonomy.names}")
        self.model = model
        self._thresholds = np.array([t.threshold for t in taxonomy.topics], dtype=np.float32)
        self._prototypes: npt.NDArray[np.float32] | None = None
        owners = [n for n, t in enumerate(taxonomy.topics) for _ in t.prototypes]
        self._starts = np.flatnonzero(np.diff([-1, *owners]))  # first prototype row of each topic

    @classmethod
    def load(
        cls, path: str | Path | None = None, embedder: Embedder | None = None, model: TopicModel | None = None
    ) -> TopicClassifier:
        """A classifier for a taxonomy file and the local MiniLM embedder; the shipped taxonomy comes with
        the shipped fitted model (``topic_model.json``), another taxonomy uses ``model`` or none."""
        if path is None and model is None:
            model = TopicModel.shipped()
        return cls(Taxonomy.load(path), embedder or local_embedder(), model)

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

    def embed(self, papers: Sequence[PaperText]) -> npt.NDArray[np.float32]:
        """Unit embeddings of the papers' titles and keywords, one batched call (papers, dim)."""
        if not papers:
            return np.zeros((0, self._prototype_matrix().shape[1]), dtype=np.float32)
        return np.asarray(
            self._embedder.embed_documents([p.embedded_text() for p in papers]), dtype=np.float32
        )

    def similarities(
        self, papers: Sequence[PaperText], vectors: npt.NDArray[np.float32] | None = None
    ) -> npt.NDArray[np.float32]:
        """Cosine of each paper's title and keywords to each topic's closest prototype (papers, topics)."""
        if vectors is None:
            vectors = self.embed(papers)
        if not len(vectors):
            return np.zeros((0, len(self.taxonomy.topics)), dtype=np.float32)
        cosines = vectors @ self._prototype_matrix().T
        return np.maximum.reduceat(cosines, self._starts, axis=1)

    def points_matrix(self, papers: Sequence[PaperText]) -> npt.NDArray[np.float32]:
        """:meth:`points` of each paper (papers, topics)."""
        if not papers:
            return np.zeros((0, len(self._thresholds)), dtype=np.float32)
        return np.stack([self.points(p) for p in papers]).astype(np.float32)

    def abstract_points(self, papers: Sequence[PaperText]) -> npt.NDArray[np.float32]:
        """The part of :meth:`points_matrix` that comes from phrases in the abstracts (papers, topics)."""
        names = self.taxonomy.names
        rows = [self.taxonomy.scores(None, p.abstract) for p in papers]
        return np.array([[row[n] for n in names] for row in rows], dtype=np.float32).reshape(
            len(papers), len(names)
        )

    def features(
        self,
        vectors: npt.NDArray[np.float32],
        points: npt.NDArray[np.float32],
        abstract: npt.NDArray[np.float32],
        centroids: npt.NDArray[np.float32],
        description: npt.NDArray[np.float32] | None = None,
        votes: npt.NDArray[np.float64] | None = None,
    ) -> npt.NDArray[np.float64]:
        """(papers, topics, :data:`FEATURES`) from embeddings, points (all and the abstract's part),
        per-topic centroids and neighbour votes (:func:`neighbour_votes`; zeros when not given).

        ``centroids`` may also be (papers, topics, dim): a centroid per paper (leave-one-out when fitting).
        """
        s = self.settings
        if description is None:
            description = np.maximum.reduceat(vectors @ self._prototype_matrix().T, self._starts, axis=1)
        if centroids.ndim == 3:
            prototype = np.einsum("pd,ptd->pt", vectors, centroids)
        else:
            prototype = vectors @ centroids.T
        evidence = np.minimum(points / self._thresholds, s.points_cap)
        if votes is None:
            votes = np.zeros(points.shape)
        columns = [
            description,
            prototype,
            evidence,
            np.minimum((points - abstract) / self._thresholds, s.points_cap),
            description - description.max(axis=1, keepdims=True),
            prototype - prototype.max(axis=1, keepdims=True),
            evidence - evidence.max(axis=1, keepdims=True),
            (points >= s.min_points).astype(np.float64),
            votes,
            votes - votes.max(axis=1, keepdims=True),
        ]
        return np.stack([np.asarray(c, dtype=np.float64) for c in columns], axis=-1)

    def choose(
        self,
        probabilities: npt.NDArray[np.float64],
        threshold: float | npt.NDArray[np.float64],
        relative: float,
        head: npt.NDArray[np.bool_] | None = None,
    ) -> list[int]:
        """Topic numbers kept for one paper: probability ≥ threshold (one for all topics, or one per topic)
        and ≥ relative * best, best first; with ``head`` (per topic: evidence outside the abstract) and
        ``secondary_needs_head``, the topics after the first need it."""
        best = float(probabilities.max()) if len(probabilities) else 0.0
        keep = np.flatnonzero((probabilities >= threshold) & (probabilities >= relative * best))
        order = sorted(keep, key=lambda n: (-probabilities[n], n))
        if head is not None and self.settings.secondary_needs_head:
            order = order[:1] + [n for n in order[1:] if head[n]]
        return [int(n) for n in order[: self.settings.max_topics]]

    @staticmethod
    def head_evidence(
        points: npt.NDArray[np.float32], abstract: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.bool_]:
        """Per paper and topic: whether it has points outside the abstract (title, keywords, categories)."""
        return np.asarray(points - abstract > 0, dtype=bool)

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
        names = self.taxonomy.names
        if self.model is not None:
            vectors = self.embed(papers)
            points, abstract = self.points_matrix(papers), self.abstract_points(papers)
            probabilities = self.model.probabilities(
                self.features(
                    vectors, points, abstract, self.model.centroids, votes=self.model.votes(vectors)
                )
            )
            heads = self.head_evidence(points, abstract)
            return [
                [names[n] for n in self.choose(row, self.model.cutoffs, self.model.relative, head)]
                if self.has_ml_content(paper)
                else []
                for paper, row, head in zip(papers, probabilities, heads, strict=True)
            ]
        combined, points = self._combined(papers)
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
