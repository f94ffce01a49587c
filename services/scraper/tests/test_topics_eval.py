"""Topic classifier acceptance on the blind held-out part of ``evals/topics/topics_eval.jsonl`` (issue 16).

The classifier is fitted and tuned on the ``tune`` split only (batches 1-5; batches 3, 4 and 5 were each the
held-out gate until they had been evaluated, then became tune data). This gate reads ``holdout``: batch 6,
written and labelled blind by someone who never saw the classifier, on another branch, merged after it. On a
checkout with no ``holdout`` paper (round 5's branch before that merge) the gated tests skip and say so;
with batch 6 they assert the issue's acceptance targets. ``holdout_v1`` (the first held-out third, evaluated
about five times while tuning) is reported in ``evals/topics/README.md``, not gated. The MiniLM model loads
once per session (``TopicClassifier.default()`` is cached per process).
"""

from __future__ import annotations

from collections import Counter

import pytest

from portfolio_scraper.enrich import evaluate
from portfolio_scraper.enrich.classifier import PaperText, TopicClassifier

NAMED_TOPICS = ("MLOps", "NLP", "Efficiency", "Safety & Alignment")

#: Issue 16's acceptance on the blind held-out part (batch 6): micro-F1, the four named precisions and the
#: topics a paper. Round 4 missed the micro-F1 target on batch 5 (0.838), which is tune data since round 5.
MICRO_F1_FLOOR = 0.85
PRECISION_FLOOR = {"MLOps": 0.8, "NLP": 0.8, "Efficiency": 0.8, "Safety & Alignment": 0.8}
MAX_TOPICS, MEAN_TOPICS = 3, 2.2


@pytest.fixture(scope="session")
def classifier() -> TopicClassifier:
    return TopicClassifier.default()


@pytest.fixture(scope="session")
def holdout(classifier: TopicClassifier) -> evaluate.Report:
    records = evaluate.load(split="holdout")
    if not records:
        pytest.skip(
            "no holdout paper in this checkout: batch 5 became tune data (round 5) and the blind batch 6 "
            "that gates round 5 is not merged into it yet"
        )
    report = evaluate.run(classifier, records)
    print("\n" + report.render("holdout"))
    return report


def test_eval_set_is_large_labelled_and_a_stratified_third_is_held_out(classifier: TopicClassifier) -> None:
    records = evaluate.load()
    assert len(records) >= 200
    assert len({r["id"] for r in records}) == len(records)
    assert all(set(r["topics"]) <= set(classifier.taxonomy.names) and len(r["topics"]) <= 3 for r in records)
    first = [r for r in records if evaluate.batch_of(r) == 1]  # the 211 papers written before any tuning
    by_kind = Counter(r["kind"] for r in first)
    held = Counter(r["kind"] for r in first if r["split"] == "holdout_v1")
    for kind, count in by_kind.items():
        assert held[kind] == count // 3, kind  # every third paper of each group
    # batch 2 was written for tune; batches 3-5, blind held-out batches, became tune data once seen
    assert all(r["split"] == "tune" for r in records if evaluate.batch_of(r) in (2, 3, 4, 5))
    assert sum(1 for r in records if evaluate.batch_of(r) == 3) == 175
    assert sum(1 for r in records if evaluate.batch_of(r) == 4) == 207
    assert sum(1 for r in records if evaluate.batch_of(r) == 5) == 215
    fresh = [r for r in records if r["split"] == "holdout"]
    assert all(evaluate.batch_of(r) >= 6 for r in fresh)  # the gate reads blind papers only
    assert {r["split"] for r in records} <= set(evaluate.SPLITS)
    if fresh:  # never fitted on: the blind batch plus holdout_v1. Tune grows by each
        # spent gate (batches 3 and 4), so this is a third of the first tune set, not of the whole file
        tune_v1 = sum(1 for r in records if evaluate.batch_of(r) <= 2 and r["split"] == "tune")
        assert 3 * (len(fresh) + len(evaluate.load(split="holdout_v1"))) >= tune_v1
    assert sum(1 for r in records if not r["topics"]) >= 20  # papers that must get no topic


def test_holdout_micro_f1(holdout: evaluate.Report) -> None:
    assert holdout.micro_f1 >= MICRO_F1_FLOOR


def test_holdout_topics_per_paper(holdout: evaluate.Report) -> None:
    assert holdout.topics_max <= MAX_TOPICS
    assert holdout.topics_mean <= MEAN_TOPICS


@pytest.mark.parametrize("topic", NAMED_TOPICS)
def test_holdout_precision_of_the_topics_that_over_tagged(holdout: evaluate.Report, topic: str) -> None:
    assert holdout.topic_precision(topic) >= PRECISION_FLOOR[topic]


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
