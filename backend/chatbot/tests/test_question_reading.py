"""Reading a question the way people type it: filler words, "X or Y", date spans, acronyms, measures."""

from __future__ import annotations

from chatbot import relevance
from chatbot.providers.extractive import ExtractiveProvider
from chatbot.question import analyse, edits_within
from chatbot.tests.factories import passage as _passage
from chatbot.text import acronyms, vocabulary, years_spanned

JOB = _passage(
    "# Data Scientist — Orbital Freight\n\nWork, March 2015 to June 2018\n\n"
    "Route pricing for a shipping marketplace, in Python and Redis.",
    "Data Scientist — Orbital Freight",
    "journey",
    "journey:1",
)
SCHOOL = _passage(
    "# MSc — Indian Institute of Science\n\nEducation, 2013 to 2015\n\nThesis on graph kernels.",
    "MSc — Indian Institute of Science",
    "journey",
    "journey:2",
)


def test_filler_words_of_a_standard_stop_list_are_no_terms() -> None:
    question = analyse("why did she even build the router, arent there enough of those already")
    assert [t.word for t in question.terms] == ["router"]


def test_a_date_span_holds_the_years_it_runs_through() -> None:
    assert years_spanned("Work, March 2015 to June 2018") == {"2015", "2016", "2017", "2018"}
    assert "2019" not in vocabulary(JOB.text)
    assert relevance.rank(analyse("what was she doing in 2016?"), [JOB], limit=5)
    assert relevance.rank(analyse("what was she doing in 2019?"), [JOB], limit=5) == []


def test_a_capitalised_name_is_also_its_acronym() -> None:
    assert "iis" in acronyms("MSc — Indian Institute of Science")
    assert acronyms("a plain sentence with no Name") == set()
    assert relevance.rank(analyse("is she an IIS grad?"), [SCHOOL], limit=5)


def test_either_alternative_of_an_or_question_answers_it() -> None:
    question = analyse("does she use memcached or redis for caching")
    assert {t.word for t in question.terms if t.either} == {"memcached", "redis"}
    assert relevance.rank(question, [JOB], limit=5)
    assert relevance.rank(analyse("does she use memcached or couchbase for caching"), [JOB], limit=5) == []


def test_a_counted_word_is_not_read_as_a_longer_word_or_a_typo() -> None:
    question = analyse("how many stars does the pricing repo have")
    stars = next(t for t in question.terms if t.word == "stars")
    assert stars.asked and not stars.within(vocabulary("It starts pricing at once."))
    starts = _passage("Pricing starts at once.", "Pricing", "project", "project:p")
    assert relevance.rank(question, [starts], limit=5) == []


def test_a_measure_is_answered_only_where_a_figure_is_stated() -> None:
    question = analyse("what accuracy did her pricing model at orbital freight get")
    assert relevance.rank(question, [JOB], limit=5) == []
    stated = JOB.text + " The pricing model reached 91% accuracy."
    figures = _passage(stated, JOB.title, "journey", "journey:1")
    assert relevance.rank(question, [figures], limit=5)


def test_a_journey_date_line_brings_the_sentence_it_introduces() -> None:
    answer = ExtractiveProvider().answer("when was she at orbital freight", [JOB])
    assert "June 2018" in answer.answer and "shipping marketplace" in answer.answer


def test_only_the_leading_question_word_types_the_question() -> None:
    assert not analyse("what decides when the cache is flushed").has("timeline")
    assert analyse("when did she join orbital freight").has("timeline")


def test_a_substitution_is_a_typo_only_between_neighbouring_keys() -> None:
    assert edits_within("pricimg", "pricing", 1)  # m is next to n
    assert not edits_within("fills", "falls", 1)  # i is not next to a: another word
    assert edits_within("pircing", "pricing", 1)  # a swap


def test_a_two_word_name_gives_its_acronym() -> None:
    assert {"ml", "mle"} <= acronyms("Machine Learning Engineer at Acme")


def test_a_question_for_a_link_needs_an_address_in_its_subject() -> None:
    question = analyse("is orbital freight pricing on github?")
    assert question.asks_for_link
    assert relevance.rank(question, [JOB], limit=5) == []
    linked = _passage(
        JOB.text + "\n\nRepository: https://git.example/pricing", JOB.title, "journey", "journey:1"
    )
    assert relevance.rank(question, [linked], limit=5)


def test_a_sentence_two_passages_share_is_quoted_once() -> None:
    twin = _passage(JOB.text, JOB.title, "journey", "journey:1-pdf")
    answer = ExtractiveProvider().answer("what did route pricing at orbital freight use", [JOB, twin])
    assert answer.answer.count("shipping marketplace") == 1


def test_and_before_that_is_the_journey_entry_next_to_the_subject() -> None:
    later = _passage(
        "# Staff Engineer — Polar Maps\n\nWork, July 2018 to present\n\nRouting at city scale.",
        "Staff Engineer — Polar Maps",
        "journey",
        "journey:3",
    )
    entries = [later, SCHOOL, JOB]
    question = analyse("and before that? polar maps")
    own = analyse("and before that?")
    assert (
        own.asks_for_a_neighbour and not analyse("what was the price before the change").asks_for_a_neighbour
    )
    assert relevance.rank(question, entries, limit=5, own=own) == [JOB]
    assert relevance.rank(
        analyse("where did she go after? orbital freight"),
        entries,
        limit=5,
        own=analyse("where did she go after?"),
    ) == [later]
    answer = ExtractiveProvider().answer("and before that? polar maps", [JOB])
    assert "Orbital Freight" in answer.answer and "June 2018" in answer.answer
