"""The taxonomy's phrase layer (evidence for ``enrich.classifier``): micro-F1 of phrases alone on the
team's first hand-labelled samples, and the matching rules. The classifier is gated by test_topics_eval."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from portfolio_scraper.enrich.topics import Taxonomy

DATA = Path(__file__).parent / "data"
TARGET_F1 = 0.85


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


def _evaluate(taxonomy: Taxonomy, papers: list[dict[str, Any]]) -> tuple[float, str]:
    counts = {name: [0, 0, 0] for name in taxonomy.names}  # tp, fp, fn
    for paper in papers:
        got = set(taxonomy.classify(paper["title"], paper["abstract"], paper["categories"]))
        expected = set(paper["topics"])
        assert expected <= set(taxonomy.names), paper["id"]
        for name in got & expected:
            counts[name][0] += 1
        for name in got - expected:
            counts[name][1] += 1
        for name in expected - got:
            counts[name][2] += 1
    tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    lines = [f"{len(papers)} papers: micro precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f}"]
    for name, (t, p, n) in counts.items():
        prec = t / (t + p) if t + p else float("nan")
        rec = t / (t + n) if t + n else float("nan")
        lines.append(f"  {name:<24} precision {prec:.2f} recall {rec:.2f} (tp {t}, fp {p}, fn {n})")
    return f1, "\n".join(lines)


@pytest.mark.parametrize("file", ["topic_papers.yaml", "topic_papers_holdout.yaml"])
def test_micro_f1_on_hand_labelled_papers(taxonomy: Taxonomy, file: str) -> None:
    papers = yaml.safe_load((DATA / file).read_text(encoding="utf-8"))["papers"]
    assert len({p["id"] for p in papers}) == len(papers)
    f1, report = _evaluate(taxonomy, papers)
    print(f"\n{file}: {report}")
    assert f1 >= TARGET_F1, report


def test_labelled_set_covers_the_whole_taxonomy_with_hard_negatives(taxonomy: Taxonomy) -> None:
    papers = yaml.safe_load((DATA / "topic_papers.yaml").read_text(encoding="utf-8"))["papers"]
    assert len(papers) >= 50
    seen = {topic for paper in papers for topic in paper["topics"]}
    assert seen == set(taxonomy.names)
    assert sum(1 for p in papers if not p["topics"]) >= 5
    assert sum(1 for p in papers if len(p["topics"]) >= 2) >= 20


def test_every_default_topic_is_shipped(taxonomy: Taxonomy) -> None:
    assert taxonomy.names == [
        "LLM",
        "RAG",
        "Agents",
        "MLOps",
        "Computer Vision",
        "NLP",
        "Multimodal",
        "Reinforcement Learning",
        "Safety & Alignment",
        "Efficiency",
        "Theory",
    ]


@pytest.mark.parametrize("spelling", ["Multi-Agent", "multi agent", "Multiagent", "MULTI-AGENTS"])
def test_hyphen_space_joined_and_plural_variants_match(taxonomy: Taxonomy, spelling: str) -> None:
    assert "Agents" in taxonomy.classify(f"{spelling} Coordination", "", [])


def test_phrases_match_whole_words_only(taxonomy: Taxonomy) -> None:
    # "rag", "rl" and "vit" inside other words are not the acronyms.
    assert taxonomy.classify("Ragged Tensors, Curls and Vitamins", "Dragons unfurl.", []) == []
    assert "RAG" in taxonomy.classify("RAG for Legal Search", "", [])


def test_negative_phrases_hide_other_senses(taxonomy: Taxonomy) -> None:
    econ = "Agent-Based Models of Markets"
    assert "Agents" not in taxonomy.classify(econ, "Economic agents trade with representative agents.", [])
    assert "Agents" in taxonomy.classify("Autonomous Agents for Markets", "", [])
    assert "Computer Vision" not in taxonomy.classify("A Vision Statement for Open Science", "", [])


def test_a_setting_is_not_the_subject(taxonomy: Taxonomy) -> None:
    # NLP needs a language task, Efficiency a cheaper model, Safety & Alignment a safety subject: a
    # multilingual LLM, a low-latency system or preference optimisation alone is supporting evidence only.
    assert taxonomy.scores("Multilingual Pretraining", "", [])["NLP"] < taxonomy.settings.threshold
    assert "NLP" in taxonomy.classify("Machine Translation for Low-Resource Languages", "", [])
    assert "Efficiency" not in taxonomy.classify("A Low-Latency Key-Value Store", "", [])
    assert "Efficiency" not in taxonomy.classify("Inverted Index Compression", "", [])
    assert "Efficiency" in taxonomy.classify("Quantization of Language Models", "", [])
    assert "Safety & Alignment" not in taxonomy.classify(
        "Direct Preference Optimization for Chat Models", "", []
    )
    assert "Safety & Alignment" in taxonomy.classify("Jailbreak Attacks on Chat Models", "", [])
    assert "Safety & Alignment" in taxonomy.classify("Fairness Audits of Credit Models", "", [])


def test_longest_phrase_claims_its_words(taxonomy: Taxonomy) -> None:
    # "vision-language model" is Multimodal; its "language model" must not also count for LLM.
    topics = taxonomy.classify("A Vision-Language Model for Charts", "", [])
    assert "Multimodal" in topics
    assert "LLM" not in topics


def test_title_counts_more_than_abstract(taxonomy: Taxonomy) -> None:
    in_title = taxonomy.scores("Quantization of Networks", "We study networks.", [])["Efficiency"]
    in_abstract = taxonomy.scores("Networks", "We study quantization of networks.", [])["Efficiency"]
    assert in_title == 2 * in_abstract > 0


def test_repeats_in_the_abstract_are_capped(taxonomy: Taxonomy) -> None:
    twice = taxonomy.scores("", "reward and reward", [])["Reinforcement Learning"]
    many = taxonomy.scores("", "reward " * 10, [])["Reinforcement Learning"]
    assert twice == many == 2.0


def test_categories_imply_or_support_topics(taxonomy: Taxonomy) -> None:
    neutral = ("A Study of Some Data", "We report measurements.")
    assert taxonomy.classify(*neutral, ["cs.CV"]) == ["Computer Vision"]  # cs.CV implies it
    assert taxonomy.classify(*neutral, ["cs.LG", "cs.CV"]) == []  # cross-listed: half the points
    assert taxonomy.classify(*neutral, ["cs.CL"]) == []  # cs.CL is weak evidence only
    assert taxonomy.classify(neutral[0], "A new dialogue corpus.", ["cs.CL"]) == ["NLP"]
    assert taxonomy.scores(*neutral, ["math.OC"])["Theory"] == 1.0  # "math.*" matches the archive
    assert taxonomy.scores(*neutral, ["cs.LG"], primary="math.OC")["Theory"] == 0.0  # not listed


def test_topics_ordered_by_points(taxonomy: Taxonomy) -> None:
    topics = taxonomy.classify(
        "Quantized Retrieval-Augmented Generation",
        "Retrieval-augmented generation with a retriever and reranking; we quantize the reranker.",
        [],
    )
    assert topics[0] == "RAG"
    assert "Efficiency" in topics


def test_taxonomy_is_extendable_from_a_file(tmp_path: Path) -> None:
    config = tmp_path / "taxonomy.toml"
    config.write_text(
        """
[settings]
threshold = 1.5
[[topics]]
name = "Robotics"
strong = ["robot manipulation"]
phrases = ["robot", "gripper"]
negative = ["robot vacuum market"]
categories = { "cs.RO" = 2.0 }
[[topics]]
name = "Audio"
phrases = ["speech", "audio"]
threshold = 3
""",
        encoding="utf-8",
    )
    taxonomy = Taxonomy.load(config)
    assert taxonomy.names == ["Robotics", "Audio"]
    assert taxonomy.classify("Grippers That Learn", "", []) == ["Robotics"]
    assert taxonomy.classify("Robot Vacuum Market Shares", "", []) == []
    assert taxonomy.classify("Control", "", ["cs.RO"]) == ["Robotics"]
    assert taxonomy.classify("Speech", "", []) == []  # 2 points, below Audio's own threshold of 3
    assert taxonomy.classify("Speech and Audio", "", []) == ["Audio"]


@pytest.mark.parametrize(
    "data",
    [
        {"topics": [{"name": "X", "phrase": ["typo"]}]},
        {"topics": [{"phrases": ["no name"]}]},
        {"settings": {"title_wieght": 3}},
        {"topic": []},
        {"topics": [{"name": "X"}, {"name": "X"}]},
        {"topics": [{"name": "X", "phrases": ["--"]}]},
    ],
)
def test_malformed_taxonomy_is_refused(data: dict[str, Any]) -> None:
    with pytest.raises((ValueError, TypeError)):
        Taxonomy.from_dict(data)
