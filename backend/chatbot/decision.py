"""Whether the retrieved passages answer the question: a logistic regression on generic evidence.

The floor used to be a chain of hand-written rules (decline when a capitalised name is missing, when
less than 60 % of the terms are found, when a slot word is not named …), each tuned on the questions
at hand; on questions written later by someone else they declined answerable questions and answered
near misses. The same signals are now numbers (:class:`chatbot.relevance.Assessment`'s evidence:
term coverage, plain and by rarity, whether a name, a slot word, an identifier, a figure or a link
is missing, the retrieval scores of the best passage, the document kind) together with the
question's shape (its leading question word, a yes/no question, a follow-up, about the owner), and
one weight per signal, fitted on the evaluation set's tuning part, decides.

The weights live in ``decision.json`` next to this module, written by
``python -m scripts.fit_chatbot_decision`` (which also prints the leave-one-part-out figures);
nothing here learns at run time. An evidence a question lacks takes its neutral value
(:data:`FEATURES`).
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatbot.question import Question, normalise
from chatbot.text import words

if TYPE_CHECKING:
    from chatbot.relevance import Assessment

WEIGHTS_PATH = Path(__file__).with_name("decision.json")

#: Every feature and its value when the question does not have it (a question with no firm terms
#: misses none of them: its coverage is full).
FEATURES: dict[str, float] = {
    "coverage": 1.0,
    "coverage_idf": 1.0,
    "missing": 0.0,
    "own_coverage": 1.0,
    "together": 1.0,
    "terms": 0.0,
    "no_firm_terms": 0.0,
    "name_missing": 0.0,
    "slot_missing": 0.0,
    "asked_missing": 0.0,
    "link_missing": 0.0,
    "figure_missing": 0.0,
    "vague_unheld": 0.0,
    "untyped": 0.0,
    "score": 0.0,
    "vector": 0.0,
    "max_vector": 0.0,
    "keyword": 0.0,
    "kind_match": 0.0,
    "top_terms": 0.0,
    "top_title": 0.0,
    "from_papers": 0.0,
    "typed": 0.0,
    "follow_up": 0.0,
    "about_owner": 0.0,
    "ask_who": 0.0,
    "ask_where": 0.0,
    "ask_when": 0.0,
    "ask_what": 0.0,
    "ask_which": 0.0,
    "ask_how": 0.0,
    "ask_how_many": 0.0,
    "ask_why": 0.0,
    "ask_yes_no": 0.0,
}
#: Verbs that open a yes/no question ("does he know …", "is it open source", "has he …").
_YES_NO = frozenset(
    ["is", "are", "was", "were", "do", "does", "did", "has", "have", "had", "can", "could", "will", "would"]
)
_ASKING = ("who", "where", "when", "what", "which", "how", "why")


def shape(question: Question, *, follow_up: bool) -> dict[str, float]:
    """The question's form: its leading question word (or an auxiliary: a yes/no question), whether
    it is typed (steers to a kind of document), a follow-up, about the owner."""
    typed = [w.strip(".?!,") for w in words(normalise(question.text))]
    leading = next((w for w in typed if w in _ASKING or w == "whose"), None)
    out: dict[str, float] = {
        "typed": float(bool(question.intents or question.kinds)),
        "follow_up": float(follow_up),
        "about_owner": float(question.about_owner),
    }
    if leading == "whose":
        leading = "who"
    if leading is not None:
        out[f"ask_{leading}"] = 1.0
        at = typed.index(leading if leading in typed else "whose")
        if leading == "how" and typed[at + 1 : at + 2] in (["many"], ["much"]):
            out["ask_how_many"] = 1.0
    elif typed and typed[0] in _YES_NO:
        out["ask_yes_no"] = 1.0
    return out


def vector(evidence: dict[str, float]) -> list[float]:
    """``evidence`` as the values of :data:`FEATURES` in order, neutral where absent."""
    return [float(evidence.get(name, default)) for name, default in FEATURES.items()]


@cache
def weights() -> dict[str, Any]:
    """The fitted model: ``features``, ``mean``, ``scale``, ``coef``, ``bias``, ``threshold``,
    ``vetoes``."""
    model: dict[str, Any] = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    if model["features"] != list(FEATURES):
        raise RuntimeError(f"{WEIGHTS_PATH.name} was fitted on other features; re-run the fit command.")
    return model


def probability(evidence: dict[str, float], model: dict[str, Any] | None = None) -> float:
    """The model's probability that passages with ``evidence`` answer the question."""
    model = model or weights()
    z = model["bias"] + sum(
        c * (x - m) / s
        for c, x, m, s in zip(model["coef"], vector(evidence), model["mean"], model["scale"], strict=True)
    )
    return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


def evidence_of(assessment: Assessment, question: Question, *, follow_up: bool) -> dict[str, float]:
    """Everything the decision reads: the assessment's evidence and the question's shape."""
    return {**assessment.evidence, **shape(question, follow_up=follow_up)}


def answerable(assessment: Assessment, question: Question, *, follow_up: bool = False) -> bool:
    """Whether ``assessment``'s passages answer ``question`` (the neighbouring journey entry a
    follow-up asks for always does: retrieval found it by its dates, not by words)."""
    if not assessment.passages:
        return False
    if assessment.evidence.get("neighbour"):
        return True
    evidence = evidence_of(assessment, question, follow_up=follow_up)
    model = weights()
    if vetoed(evidence, model):
        return False
    return probability(evidence, model) >= model["threshold"]


def vetoed(evidence: dict[str, float], model: dict[str, Any]) -> bool:
    """Whether a veto of ``model`` (evidence the fit found to decline alone, leave-one-part-out:
    e.g. an identifier or a slot word no passage holds) is present."""
    return any(evidence.get(name, 0.0) >= 1.0 for name in model.get("vetoes", ()))
