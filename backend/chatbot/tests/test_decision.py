"""The learned answer-or-decline decision: its evidence, the question's shape, the stored weights."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from chatbot import decision, relevance, trace
from chatbot.question import analyse
from chatbot.relevance import Assessment
from chatbot.retrieval import Passage
from chatbot.tests.factories import passage


def _passage(text: str, title: str, kind: str, key: str, *, vector: float = 0.4) -> Passage:
    return passage(text, title, kind, key, vector=vector, keyword_rank=1)


STORE = _passage(
    "Feature store lite serves training features from Postgres. It handles 50M events a day.",
    "Feature store lite",
    "project",
    "project:feature-store",
)


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("how many events does the feature store handle?", {"ask_how", "ask_how_many"}),
        ("How much did latency drop", {"ask_how", "ask_how_many"}),
        ("does he know kubernetes?", {"ask_yes_no"}),
        ("Is it open source", {"ask_yes_no"}),
        ("whose paper is this", {"ask_who"}),
        # Only the leading question word counts: a "what" question about when.
        ("what decides when to search?", {"ask_what"}),
        ("tell me about evalkit", set()),
    ],
)
def test_the_shape_is_read_from_the_leading_question_word(text: str, asks: set[str]) -> None:
    shape = decision.shape(analyse(text), follow_up=False)
    assert {name for name, value in shape.items() if name.startswith("ask_") and value} == asks


def test_the_shape_says_follow_up_owner_and_typed() -> None:
    shape = decision.shape(analyse("where did he study?"), follow_up=True)
    assert shape["follow_up"] == shape["about_owner"] == shape["typed"] == 1.0
    assert decision.shape(analyse("what is evalkit?"), follow_up=False)["typed"] == 0.0


def test_an_absent_evidence_takes_its_neutral_value_in_feature_order() -> None:
    values = decision.vector({"vector": 0.7, "name_missing": 1.0})
    names = list(decision.FEATURES)
    assert len(values) == len(names)
    assert values[names.index("vector")] == 0.7
    assert values[names.index("name_missing")] == 1.0
    # A question with no firm terms misses none: full coverage, nothing missing.
    assert values[names.index("coverage")] == 1.0 and values[names.index("slot_missing")] == 0.0


def test_the_stored_weights_fit_the_features() -> None:
    model = decision.weights()
    assert model["features"] == list(decision.FEATURES)
    n = len(decision.FEATURES)
    assert len(model["coef"]) == len(model["mean"]) == len(model["scale"]) == n
    assert all(s > 0 for s in model["scale"]) and 0 < model["threshold"] < 1
    assert all(math.isfinite(c) for c in model["coef"])


def test_missing_evidence_lowers_the_probability_or_vetoes() -> None:
    # The weights were fitted, not written: what must hold is their sign on the evidence that a
    # passage does not hold what is asked (a link, a figure, the question's terms), and that an
    # identifier or a slot word no passage holds declines alone.
    model = decision.weights()
    full = {"coverage": 1.0, "coverage_idf": 1.0, "together": 1.0, "vector": 0.4, "score": 4.0}
    for missing in ("link_missing", "figure_missing"):
        assert decision.probability({**full, missing: 1.0}) < decision.probability(full)
    assert decision.probability({**full, "coverage": 0.2, "coverage_idf": 0.2}) < decision.probability(full)
    assert set(model["vetoes"]) == {"asked_missing", "slot_missing"}
    assert not decision.vetoed(full, model)
    assert all(decision.vetoed({**full, veto: 1.0}, model) for veto in model["vetoes"])


def test_nothing_retrieved_is_declined_and_a_neighbour_is_answered() -> None:
    question = analyse("and before that?")
    assert not decision.answerable(Assessment([], {}), question)
    assert decision.answerable(Assessment([STORE], {"neighbour": 1.0}), question, follow_up=True)


def test_a_question_the_passage_holds_is_answered_and_a_near_miss_is_not() -> None:
    assert relevance.rank(analyse("How many events does the feature store handle?"), [STORE], limit=5)
    # An identifier the passage does not hold ("7B"), and a licence it does not name.
    assert (
        relevance.rank(analyse("how many events does the 7B feature store handle?"), [STORE], limit=5) == []
    )
    assert relevance.rank(analyse("what licence is the feature store lite under?"), [STORE], limit=5) == []


def test_the_evidence_counts_what_the_passages_hold() -> None:
    assessment = relevance.assess(analyse("does the feature store use redis?"), [STORE], limit=5)
    assert assessment.passages == [] or assessment.passages[0].document_key == STORE.document_key
    evidence = assessment.evidence
    assert 0 < evidence["coverage"] < 1  # "feature", "store" held; "redis" not
    assert evidence["name_missing"] == 0.0
    named = relevance.assess(analyse("did the feature store ship at Google?"), [STORE], limit=5).evidence
    assert named["name_missing"] == 1.0 and named["slot_missing"] == 1.0


def test_a_traced_question_reads_back_as_the_same_passages(tmp_path: Path) -> None:
    section = Passage(
        text="How it works: chunks are embedded.",
        title="Grounded RAG assistant",
        url="/projects/rag",
        source_type="content",
        page=3,
        score=0.25,
        heading_path=("Grounded RAG assistant", "How it works"),
        kind="project",
        document_key="project:rag",
        vector=0.41,
        keyword_rank=2,
        chunk_index=1,
    )
    path = tmp_path / "trace.jsonl"
    trace.record(str(path), "how does it work", "how does it work", "Priya Rao", [STORE, section], [section])
    trace.record(str(path), "and evalkit?", None, "Priya Rao", [], [])
    first, second = (json.loads(line) for line in path.read_text().splitlines())
    assert trace.passages(first["passages"]) == [STORE, section]
    assert trace.passages(first["more"]) == [section]
    assert first["owner"] == "Priya Rao" and second["message"] is None and second["passages"] == []
