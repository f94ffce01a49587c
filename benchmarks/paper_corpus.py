"""A deterministic corpus of synthetic AI papers shaped like arXiv's (titles, abstracts, authors, ids).

Each paper has a theme of a few terms drawn with Zipf-like odds, so a common term ("language
models") matches a few thousand of 20,000 papers, as on real cs.CL/cs.LG listings, and rarer terms
match a few.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Ordered roughly by how often they occur in ML abstracts: earlier words are drawn more often.
TERMS = _words(
    "learning model models language data training neural network performance method approach "
    "large transformer tasks results deep representation attention generation reasoning benchmark "
    "dataset inference optimization reinforcement policy agent diffusion image vision graph "
    "retrieval generative fine-tuning alignment evaluation robustness efficient scalable "
    "multimodal embedding contrastive self-supervised federated privacy adversarial sparse "
    "quantization distillation pretraining instruction prompting in-context chain-of-thought "
    "segmentation detection classification regression clustering forecasting time-series "
    "speech audio video protein molecular robotics control planning exploration reward "
    "uncertainty calibration causal interpretability explanation fairness bias safety "
    "hallucination factuality summarization translation question answering dialogue code "
    "mathematical theorem symbolic kernel bayesian variational gaussian stochastic gradient "
    "convergence generalization overfitting regularization sampling decoding tokenization "
    "mixture-of-experts routing memory long-context compression pruning hardware latency "
    "throughput energy edge on-device streaming online continual meta-learning few-shot "
    "zero-shot transfer domain adaptation out-of-distribution anomaly synthetic simulation"
)
FILLER = _words(
    "we propose a novel framework that improves the state of the art on several standard "
    "benchmarks while reducing cost our experiments show consistent gains across settings and "
    "ablations confirm the contribution of each component furthermore we analyse when and why "
    "the approach fails and release code to support future work"
)
TITLE_PATTERNS = (
    "{A} {B} for {C} {D}",
    "Towards {A} {B} with {C} {D}",
    "{A}: {B} {C} via {D}",
    "On the {A} of {B} {C}",
    "Scaling {A} {B} for {C}",
    "{A} {B} Is All You Need for {C}",
    "Rethinking {A} in {B} {C}",
)
FIRST = _words(
    "Ada Alan Grace Yann Geoffrey Fei-Fei Andrew Yoshua Daphne Demis Ilya Oriol Jürgen Cynthia Sepp"
)
LAST = _words(
    "Lovelace Turing Hopper LeCun Hinton Li Ng Bengio Koller Hassabis Sutskever Vinyals Schmidhuber Rudin "
    "Hochreiter Chen Wang Zhang Liu Kumar Singh Garcia Müller Rossi Tanaka Kim Park Nguyen Silva Cohen"
)
CATEGORIES = ("cs.LG", "cs.CL", "cs.AI", "cs.CV", "stat.ML", "cs.RO", "cs.IR")
TOPICS = ("llm", "vision", "agents", "rl", "diffusion", "graphs", "retrieval", "safety", "speech", "theory")
TAGS = ("has-code", "trending", "sota", "survey", "dataset", "benchmark", "open-weights")
#: A common term of this corpus and a one-typo query whose fixed form is in titles.
COMMON_QUERY = "language models"
TYPO_QUERY = "transfromer"


def _theme(rng: random.Random) -> list[str]:
    # Term i is in a paper's theme with probability ~1/(i+2): "learning" in ~45 % of papers,
    # "language" ~25 %, "transformer" ~7 %, the tail rarely. Real listings look alike.
    theme = [term for i, term in enumerate(TERMS) if rng.random() < min(0.45, 1.0 / (i + 2))]
    while len(theme) < 3:
        theme.append(rng.choice(TERMS))
    return theme


def _sentence(rng: random.Random, theme: list[str]) -> str:
    words = []
    for _ in range(rng.randint(12, 24)):
        draw = rng.random()
        words.append(
            rng.choice(theme) if draw < 0.3 else rng.choice(TERMS) if draw < 0.33 else rng.choice(FILLER)
        )
    return " ".join(words).capitalize() + "."


def _title(rng: random.Random, theme: list[str]) -> str:
    words = [rng.choice(theme).title() for _ in range(4)]
    return rng.choice(TITLE_PATTERNS).format(A=words[0], B=words[1], C=words[2], D=words[3])


def paper(n: int, rng: random.Random, *, version: int = 1, now: datetime | None = None) -> dict[str, Any]:
    """Paper number ``n`` (ids 2501.00001 ...) as the scraper would send it."""
    now = now or datetime(2026, 11, 29, tzinfo=UTC)
    published = now - timedelta(minutes=rng.randint(0, 60 * 24 * 90))
    arxiv_id = f"25{1 + n // 99999:02d}.{n % 99999 + 1:05d}"  # 2501.00001 ... (n < 1.2 million)
    has_hf = rng.random() < 0.25
    has_code = rng.random() < 0.3
    theme = _theme(rng)
    return {
        "arxiv_id": arxiv_id,
        "version": version,
        "title": _title(rng, theme),
        "abstract": " ".join(_sentence(rng, theme) for _ in range(rng.randint(6, 10))),
        "authors": [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(1, 8))],
        "primary_category": (primary := rng.choice(CATEGORIES)),
        "categories": sorted({primary, *rng.sample(CATEGORIES, rng.randint(0, 2))}),
        "published": published.isoformat(),
        "updated": (published + timedelta(days=version - 1)).isoformat(),
        "abs_url": f"https://arxiv.example/abs/{arxiv_id}",
        "pdf_url": f"https://arxiv.example/pdf/{arxiv_id}v{version}",
        "sources": ["arxiv", "huggingface"] if has_hf else ["arxiv"],
        "hf_upvotes": rng.randint(0, 300) if has_hf else None,
        "hf_comments": rng.randint(0, 20) if has_hf else None,
        "github_repo": f"lab{n % 500}/repo{n}" if has_code else None,
        "github_stars": rng.randint(0, 5000) if has_code else None,
        "topics": rng.sample(TOPICS, rng.randint(1, 3)),
        "tags": rng.sample(TAGS, rng.randint(0, 2)),
        "relevance": round(rng.uniform(0, 100), 2),
        "relevance_components": {
            "topic": round(rng.uniform(0, 60), 2),
            "recency": round(rng.uniform(0, 40), 2),
        },
    }


def corpus(count: int, *, seed: int = 7, start: int = 0, version: int = 1) -> list[dict[str, Any]]:
    """``count`` papers numbered from ``start``; the same arguments give the same papers."""
    rng = random.Random(seed * 1_000_003 + start)
    return [paper(n, rng, version=version) for n in range(start, start + count)]
