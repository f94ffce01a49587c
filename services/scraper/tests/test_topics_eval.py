"""Topic classifier acceptance on the held-out third of ``evals/topics/topics_eval.jsonl`` (issue 16).

The classifier was tuned on the ``tune`` split only; this gate reads ``holdout``: 175 papers (batch 3) written
and labelled blind after the classifier was shipped and evaluated once. ``holdout_v1`` (the first held-out
third, evaluated about five times while tuning) is reported in ``evals/topics/README.md``, not gated. The
MiniLM model loads once per session (``TopicClassifier.default()`` is cached per process).

Where the fresh held-out figure misses the acceptance target, the gate is a regression gate just below the
measured figure, and says so (figures and the miss in ``evals/topics/README.md``).
"""

from __future__ import annotations

from collections import Counter

import pytest

from portfolio_scraper.enrich import evaluate
from portfolio_scraper.enrich.classifier import PaperText, TopicClassifier

NAMED_TOPICS = ("MLOps", "NLP", "Efficiency", "Safety & Alignment")

#: Acceptance (issue 16): micro-F1 >= 0.85. Measured once on the fresh held-out: 0.841 (a miss).
MICRO_F1_FLOOR = 0.835
#: Acceptance: precision >= 0.8 for each named topic. Measured once on the fresh held-out:
#: MLOps 0.73 (8 of 11, a miss), NLP 0.69 (9 of 13, a miss), Efficiency 0.88 (21 of 24),
#: Safety & Alignment 0.83 (10 of 12).
PRECISION_FLOOR = {"MLOps": 0.70, "NLP": 0.65, "Efficiency": 0.8, "Safety & Alignment": 0.8}


@pytest.fixture(scope="session")
def classifier() -> TopicClassifier:
    return TopicClassifier.default()


@pytest.fixture(scope="session")
def holdout(classifier: TopicClassifier) -> evaluate.Report:
    report = evaluate.run(classifier, evaluate.load(split="holdout"))
    print("\n" + report.render("holdout"))
    return report


def test_eval_set_is_large_labelled_and_a_stratified_third_is_held_out(classifier: TopicClassifier) -> None:
    records = evaluate.load()
    assert len(records) >= 200
    assert len({r["id"] for r in records}) == len(records)
    assert all(set(r["topics"]) <= set(classifier.taxonomy.names) and len(r["topics"]) <= 3 for r in records)
    first = [r for r in records if r.get("batch", 1) == 1]  # the 211 papers written before any tuning
    by_kind = Counter(r["kind"] for r in first)
    held = Counter(r["kind"] for r in first if r["split"] == "holdout_v1")
    for kind, count in by_kind.items():
        assert held[kind] == count // 3, kind  # every third paper of each group
    assert all(r["split"] == "tune" for r in records if r.get("batch", 1) == 2)  # added to tune only
    fresh = [r for r in records if r["split"] == "holdout"]
    assert fresh and all(r.get("batch") == 3 for r in fresh)  # the gate reads the fresh papers only
    assert {r["split"] for r in records} == set(evaluate.SPLITS)
    assert 3 * len(fresh) >= len(fresh) + len(evaluate.load(split="tune"))  # a third held out
    assert sum(1 for r in records if not r["topics"]) >= 20  # papers that must get no topic


def test_holdout_micro_f1(holdout: evaluate.Report) -> None:
    assert holdout.micro_f1 >= MICRO_F1_FLOOR  # regression gate; the acceptance target 0.85 is missed


def test_holdout_topics_per_paper(holdout: evaluate.Report) -> None:
    assert holdout.topics_max <= 3
    assert holdout.topics_mean <= 2.2


@pytest.mark.parametrize("topic", NAMED_TOPICS)
def test_holdout_precision_of_the_topics_that_over_tagged(holdout: evaluate.Report, topic: str) -> None:
    assert holdout.topic_precision(topic) >= PRECISION_FLOOR[topic]  # 0.8 where met, else just below measured


def test_a_paper_without_ml_content_gets_no_topic(classifier: TopicClassifier) -> None:
    paper = PaperText(
        title="Flaky Test Detection in Continuous Integration Pipelines",
        abstract="We rerun failing tests in continuous integration and deployment pipelines to find flakes.",
        categories=["cs.SE"],
    )
    assert not classifier.has_ml_content(paper)
    assert classifier.classify(paper) == []


def test_a_paper_that_mentions_many_topics_gets_the_ones_that_define_it(classifier: TopicClassifier) -> None:
    paper = PaperText(
        title="Block-Sparse Attention for Million-Token Language Models",
        abstract=(
            "Sparse attention cuts the quadratic cost of long-context language models. We evaluate on "
            "multimodal document understanding, agentic tool use and retrieval, give a theoretical analysis "
            "and release kernels for production serving and deployment."
        ),
        categories=["cs.CL", "cs.LG"],
        keywords=["sparse attention", "long context", "kernels"],
    )
    topics = classifier.classify(paper)
    assert "Efficiency" in topics
    assert not {"Multimodal", "Agents", "MLOps", "Theory"} & set(topics)


def test_robot_manipulation_is_not_agents(classifier: TopicClassifier) -> None:
    paper = PaperText(
        title="Visuomotor Diffusion Policies for Robotic Pick-and-Place",
        abstract="A robot arm learns pick-and-place actions from 100 demonstrations with a diffusion policy.",
        categories=["cs.RO", "cs.LG"],
    )
    assert "Agents" not in classifier.classify(paper)


def test_keywords_count_and_topics_are_capped(classifier: TopicClassifier) -> None:
    paper = PaperText(title="A Study", categories=["cs.LG"], keywords=["quantization", "int8", "pruning"])
    assert classifier.classify(paper) == ["Efficiency"]
    busy = PaperText(
        title="Quantized Retrieval-Augmented Multimodal Agents with RLHF, Jailbreak Defenses and Proofs",
        abstract="Large language model agents, vision-language models, retrieval, reinforcement learning, "
        "jailbreaks, quantization, theorems, machine translation, object detection, model serving.",
        categories=["cs.LG"],
    )
    assert 1 <= len(classifier.classify(busy)) <= classifier.settings.max_topics == 3
