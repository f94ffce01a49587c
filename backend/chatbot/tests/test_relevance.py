"""The relevance floor's general rules: whose content answers a question, and what a passage must hold."""

from __future__ import annotations

from chatbot import relevance
from chatbot.question import analyse
from chatbot.retrieval import Passage, paper_key


def _passage(text: str, title: str, kind: str | None, key: str, source_type: str = "content") -> Passage:
    return Passage(
        text=text,
        title=title,
        url=None,
        source_type=source_type,
        page=None,
        score=0.0,
        kind=kind,
        document_key=key,
        vector=0.5,
    )


PROFILE = _passage("Priya Rao is an engineer who builds search.", "About Priya Rao", "profile", "profile")
PDF = _passage("A phone holds little memory.", "Caches on phones", None, paper_key("1"))
PAPER = _passage("Robots in warehouses pick parcels.", "Warehouse robots", "paper", "paper-text:2", "paper")


def test_a_question_about_the_owner_is_never_answered_from_a_paper_or_its_pdf() -> None:
    question = analyse("What's his phone number?", owner_name="Priya Rao")
    assert question.about_owner
    assert PDF.from_papers and PAPER.from_papers and not PROFILE.from_papers
    assert relevance.rank(question, [PDF, PROFILE], limit=5) == []
    # Without the pronoun the paper is a fair answer.
    assert relevance.rank(analyse("how much memory does a phone hold?"), [PDF], limit=5)


def test_a_passage_holding_no_firm_term_is_not_quoted_for_its_kind_alone() -> None:
    question = analyse("Who funded the warehouse robots paper?", owner_name="Priya Rao")
    ranked = relevance.rank(question, [PROFILE, PAPER], limit=5)
    assert PROFILE.document_key not in {p.document_key for p in ranked}
