"""The relevance floor's general rules: whose content answers a question, and what a passage must hold."""

from __future__ import annotations

from dataclasses import replace

from chatbot import relevance
from chatbot.providers import Answer
from chatbot.providers.extractive import ExtractiveProvider
from chatbot.question import analyse, normalise
from chatbot.retrieval import Passage, paper_key
from chatbot.tests.factories import passage as _passage

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


BOARD = _passage(
    "On the board the 3B model decodes 14 tokens per second with a 128,000-token context.",
    "Quantised caches",
    "paper",
    "paper-text:3",
    "paper",
)
STORE = _passage(
    "Feature store lite serves training features online from Postgres, 50M events.",
    "Feature store lite",
    "project",
    "project:store",
)


def test_an_identifier_with_digits_matches_only_its_own_form() -> None:
    assert relevance.rank(analyse("how fast does the 7B model run on the board?"), [BOARD], limit=5) == []
    assert relevance.rank(analyse("how fast does the 3b model run on the board?"), [BOARD], limit=5)
    # Written-out forms of the same number count: "128k" is "128,000", "3b" is "3-billion".
    assert relevance.rank(analyse("tokens per second at 128k context?"), [BOARD], limit=5)
    assert relevance.rank(analyse("tokens per second at 1k context?"), [BOARD], limit=5) == []
    # A year is no identifier: "in 2020" may fall inside a passage's "2019 to 2022".
    assert not next(t for t in analyse("what did he do in 2020").terms if t.word == "2020").identifier


def test_what_a_question_counts_must_be_in_the_passage() -> None:
    question = analyse("How many users does the feature store serve?")
    assert [t.word for t in question.terms if t.asked] == ["users"]
    assert relevance.rank(question, [STORE], limit=5) == []
    assert relevance.rank(analyse("How many events does the feature store handle?"), [STORE], limit=5)
    # "which X" is answered by an instance of X ("which database?" by "Postgres"): no such rule.
    assert not any(t.asked for t in analyse("which vector store does it use?").terms)


def test_short_forms_are_read_as_the_words_documents_use() -> None:
    assert normalise("whos vasu") == "who is vasu"
    assert normalise("What happened in Feb 2024?") == "what happened in february 2024?"
    assert normalise("docker or k8s? sklearn?") == "docker or kubernetes? scikit-learn?"
    assert normalise("node.js, not js") == "node.js, not javascript"
    assert next(t.word for t in analyse("which db is feature store lite built on").terms) == "database"
    assert analyse("whos vasu kapoor", owner_name="Vasu Kapoor").has("person")
    # "postgres" finds "PostgreSQL" and the other way round.
    assert relevance.rank(analyse("is it built on postgresql?"), [STORE], limit=5)


def _section(text: str, heading: str | None) -> Passage:
    path = ("Lighthouse bot", heading) if heading else ("Lighthouse bot",)
    return replace(_passage(text, "Lighthouse bot", "project", "project:lighthouse"), heading_path=path)


OPENING = _section("# Lighthouse bot\n\nA chatbot that answers from a private corpus.", None)
HOW = _section(
    "## How it works\n\n1. Documents are chunked and embedded.\n2. Queries run a hybrid search.",
    "How it works",
)


def test_a_section_the_question_names_in_its_own_words_answers_it() -> None:
    question = analyse("how does the chatbot work?")
    assert question.names_section("How it works") and not question.names_section("Why")
    # A heading of the question's own terms is its subject, not a section it asks for.
    assert not analyse("what is the lighthouse bot?").names_section("Lighthouse bot")
    ranked = relevance.rank(question, [OPENING, HOW], limit=5)
    assert HOW in [replace(p, score=0.0) for p in ranked]  # though it holds no "chatbot"
    answer = ExtractiveProvider().answer("how does the chatbot work?", ranked)
    assert "chunked and embedded" in answer.answer


def test_writing_is_asked_for_on_the_profile() -> None:
    assert analyse("where can i read his writing?").has("contact")


def test_an_organisation_place_or_attribute_no_passage_names_is_declined() -> None:
    # "from google": most of the question matches the paper, but not who it is from.
    question = analyse("is the quantised caches board paper from google?")
    assert [t.word for t in question.terms if t.slot] == ["google"]
    assert relevance.rank(question, [BOARD], limit=5) == []
    assert relevance.rank(analyse("what licence is the feature store lite under?"), [STORE], limit=5) == []
    # Named by a passage, the same slot is answered.
    assert relevance.rank(analyse("does feature store lite read from postgres?"), [STORE], limit=5)


def test_who_wrote_a_paper_is_answered_by_its_byline() -> None:
    byline = _passage(
        "# Warehouse robots\n\nAuthors: Ada Byron and Alan Turing (Harbour Lab).\n\n"
        "Robots in warehouses pick parcels.",
        "Warehouse robots",
        "paper",
        "paper-text:2",
        "paper",
    )
    question = analyse("who wrote the warehouse robots paper?")
    assert question.has("byline")
    ranked = relevance.rank(question, [byline], limit=5)
    answer = ExtractiveProvider().answer("who wrote the warehouse robots paper?", ranked)
    assert "Ada Byron" in answer.answer and "pick parcels" not in answer.answer
    # "Who is the author?" is still about the site's owner.
    assert not analyse("who is the author?").has("byline")


def test_a_titled_passage_is_the_subject_only_when_retrieval_ranks_it_first() -> None:
    robots = _passage(
        "Robots in warehouses learn by multi-agent reinforcement learning.",
        "Warehouse robots",
        "paper",
        "p:5",
    )
    job = _passage("Ranking for a learning platform.", "Machine Learning Engineer", "journey", "journey:2")
    answer = ExtractiveProvider().answer("which paper uses reinforcement learning?", [robots, job])
    assert "reinforcement learning" in answer.answer and "learning platform" not in answer.answer


def test_what_a_paper_found_and_which_lab_wrote_it_are_plain_questions() -> None:
    assert [t.word for t in analyse("what did the tulu paper find?").terms] == ["tulu"]
    assert analyse("which lab wrote the medical summaries paper?").has("byline")


def _paper_answer(question: str, title: str, text: str) -> Answer:
    """The extractive answer to ``question`` from one paper's text under its title heading."""
    return ExtractiveProvider().answer(question, [_passage(f"# {title}\n\n{text}", title, "paper", "p:1")])


def test_a_vague_word_no_sentence_holds_leaves_the_subject_to_describe() -> None:
    text = "Invisible watermarks label images. Regenerating strips nine of ten schemes."
    answer = _paper_answer("which watermark attack is best?", "Watermark attacks", text)
    assert answer.citations and "Invisible watermarks" in answer.answer


def test_a_question_words_s_is_is() -> None:
    assert normalise("where's he from") == "where is he from"
    assert analyse("where's vasu from", owner_name="Vasu Kapoor").has("location")
    # "How much data": a measure, stated in hours or documents, never a word the passage must hold.
    assert not any(t.asked for t in analyse("how much data did they use?").terms)


def test_finishing_is_a_date_and_results_or_strengths_are_asked_in_other_words() -> None:
    assert analyse("when did he finish his masters?").has("timeline")
    assert [t.word for t in analyse("what's the speculative paper's main result?").terms] == ["speculative"]
    stack = _passage("Languages: Python (proficiency 95/100).", "Tech stack", "tech_stack", "tech-stack")
    question = analyse("what's his strongest language?", owner_name="Priya Rao")
    assert relevance.rank(question, [stack], limit=5)
    assert relevance.rank(analyse("how old is he?", owner_name="Priya Rao"), [PROFILE], limit=5) == []


def test_a_follow_up_must_find_what_it_asks_not_only_the_subject_it_carries() -> None:
    carried = analyse("does it use redis? feature store lite")
    own = analyse("does it use redis?")
    assert relevance.rank(carried, [STORE], limit=5)  # the subject alone meets the floor ...
    assert relevance.rank(carried, [STORE], limit=5, own=own) == []  # ... but redis is nowhere
    assert relevance.rank(
        analyse("how many events? feature store lite"), [STORE], limit=5, own=analyse("how many events?")
    )


def test_what_a_subject_supports_or_runs_on_must_be_named() -> None:
    assert relevance.rank(analyse("does feature store lite support kafka?"), [STORE], limit=5) == []
    assert relevance.rank(analyse("does feature store lite run on postgres?"), [STORE], limit=5)


def test_how_many_is_answered_by_a_sentence_with_a_figure() -> None:
    text = "Earlier comparisons chose small datasets. We compare models on 112 datasets."
    answer = _paper_answer("how many datasets did the tables paper use?", "Tables", text)
    assert "112 datasets" in answer.answer and "small datasets" not in answer.answer


def test_an_attribute_is_named_by_its_own_word_not_a_longer_one() -> None:
    lumen = _passage(
        "Shipped an assistant over 2M internal documents.", "Senior engineer, Lumen", "journey", "j:1"
    )
    assert relevance.rank(analyse("where did he intern?", owner_name="Priya Rao"), [lumen], limit=5) == []
    school = _passage("Thesis on calibration.", "M.Tech, National Institute", "journey", "j:3")
    assert relevance.rank(analyse("did he study at the national institute?"), [school], limit=5)


def test_typos_swapping_two_letters_or_in_a_kind_word_are_read_through() -> None:
    from chatbot.question import edits_within

    assert edits_within("cahce", "cache", 1) and not edits_within("cahce", "catch", 1)
    question = analyse("who wrote the tulu papr?")
    assert question.kinds == {"paper"} and [t.word for t in question.terms] == ["tulu"]
