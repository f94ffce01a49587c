"""The slot a question asks to fill ("how many X", "which X", "why") and the sentences that fill it."""

from __future__ import annotations

from chatbot.providers.extractive import ExtractiveProvider
from chatbot.question import analyse
from chatbot.retrieval import Passage
from chatbot.slots import asked_slot, fills
from chatbot.tests.factories import passage


def _paper(text: str) -> Passage:
    return passage(text, "Sparse Routers for Mixture Models", "paper", "paper-text:9911.00999", "paper")


ROUTER = _paper(
    "We train a sparse router on 48 language pairs and distil it from an off-the-shelf translation model. "
    "Routing cuts inference cost for translators by 30%. "
    "The router runs on a Falcon-2 accelerator, because dense experts do not fit its memory."
)


def _fills(question: str, sentence: str, *, title: str | None = None) -> bool:
    asked = analyse(question)
    slot = asked_slot(asked)
    assert slot is not None
    return fills(slot, asked, sentence, title=title)


def test_a_count_is_a_number_standing_before_what_is_counted() -> None:
    assert _fills("how many language pairs did they train on", "We train on 48 language pairs.")
    assert _fills("how many datasets", "on 112 classification and regression datasets")
    assert _fills("how many deadlocks were there", "reduces deadlocks from eleven per hour")
    # A figure that changes something else for the counted people, or a count of another thing.
    assert not _fills("how many translators used it", "cuts inference cost for translators by 30%.")
    assert not _fills("how many clinicians wrote them", "2,400 clinician-written probe questions")


def test_which_asks_for_a_name_not_a_generic_phrase() -> None:
    assert _fills("which accelerator does it run on", "The router runs on a Falcon-2 accelerator.")
    assert not _fills("which translation model did they distil", "from an off-the-shelf translation model.")
    # "Which of his projects …", "which project …": a title answers, not a name in the sentence.
    assert asked_slot(analyse("which of his projects uses redis")) is None
    assert asked_slot(analyse("which project uses redis")) is None


def test_why_asks_for_a_cause() -> None:
    assert _fills("why does it use a Falcon-2", "because dense experts do not fit its memory.")
    assert not _fills("why did they pick 48 pairs", "We train a sparse router on 48 language pairs.")
    assert asked_slot(analyse("why not just use dense experts")) is None


def test_a_question_whose_slot_no_sentence_fills_is_declined() -> None:
    provider = ExtractiveProvider()
    assert "48" in provider.answer("how many language pairs did the router train on", [ROUTER]).answer
    for question in (
        "how many translators used the sparse router",
        "which translation model was the router distilled from",
    ):
        answer = provider.answer(question, [ROUTER])
        assert answer.citations == [], question
    answer = provider.answer("which accelerator does the sparse router run on", [ROUTER])
    assert "Falcon-2" in answer.answer and answer.citations


def test_the_title_of_an_own_document_is_the_instance_it_is_named_by() -> None:
    question, sentence = (
        "which analytics dashboard uses websockets",
        "The dashboard streams events over websockets.",
    )
    assert _fills(question, sentence, title="Realtime Analytics Dashboard")
    assert not _fills(question, sentence)


def test_an_own_documents_name_in_lower_case_is_a_name_next_to_what_is_asked() -> None:
    question, sentence = (
        "Which index keeps the hot centroids?",
        "A zephyrine index keeps the hot centroids in memory.",
    )
    assert _fills(question, sentence, title="Zephyrine edge search")
    # Without the document's name, a lower-case word before X is no name ("an off-the-shelf X").
    assert not _fills(question, sentence)
