"""The chatbot's lexical helpers: forms of one word meet, different words do not."""

from __future__ import annotations

import pytest

from chatbot.question import analyse
from chatbot.text import split_sentences, split_structured, stem


@pytest.mark.parametrize(
    "forms",
    [
        ("compress", "compresses", "compressed", "compressing"),
        ("query", "queries"),
        ("gate", "gates", "gated"),
        ("router", "routers", "routing", "routes"),
        ("retrieval", "retrieved", "retrieving"),
        ("embedding", "embeddings", "embedded"),
        ("class", "classes"),
        ("study", "studies", "studied", "studying"),
        ("reproducible", "reproducibility"),
        ("quantised", "quantized", "quantisation", "quantization", "quantize"),
        ("optimise", "optimize", "optimisation", "optimization"),
        ("run", "runs", "running"),
        ("stop", "stopped", "stopping"),
    ],
)
def test_forms_of_one_word_share_a_stem(forms: tuple[str, ...]) -> None:
    assert len({stem(form) for form in forms}) == 1, {form: stem(form) for form in forms}


@pytest.mark.parametrize("pair", [("add", "ad"), ("call", "cal")])
def test_different_words_keep_different_stems(pair: tuple[str, str]) -> None:
    assert stem(pair[0]) != stem(pair[1])


@pytest.mark.parametrize("word", ["analysis", "status", "bus", "use"])
def test_words_ending_in_s_that_are_no_plurals_keep_it(word: str) -> None:
    assert stem(word).endswith("s") == word.endswith("s")


def test_sentences_split_at_full_stops_and_blank_lines() -> None:
    assert split_sentences("One here. Two there.\n\nThree.") == ["One here.", "Two there.", "Three."]


def test_a_heading_is_never_a_sentence_but_prefixes_the_sentence_it_introduces() -> None:
    text = (
        "# M.Tech, Computer Science — Northfield Institute\n"
        "Education, August 2017 to June 2019\n\n"
        "Thesis on calibration of text classifiers."
    )

    sentences = split_structured(text)

    assert [s.text for s in sentences] == [
        "Education, August 2017 to June 2019",
        "Thesis on calibration of text classifiers.",
    ]
    assert (
        sentences[0].quoted()
        == "M.Tech, Computer Science — Northfield Institute: Education, August 2017 to June 2019"
    )
    assert sentences[1].quoted() == "Thesis on calibration of text classifiers."  # not the one it introduces


def test_a_chunk_cut_mid_section_knows_its_heading_but_does_not_claim_to_be_introduced_by_it() -> None:
    (sentence,) = split_structured("The gate picks two experts.", ("Paper", "Routing"))

    assert sentence.heading == "Routing"
    assert sentence.quoted() == "The gate picks two experts."


def test_short_list_items_are_one_sentence_under_their_heading_and_markup_is_dropped_but_not_addresses() -> (
    None
):
    text = (
        "## Infrastructure\n\n- Docker (proficiency 80/100)\n- **Kubernetes**\n\n"
        "[Blog](https://x.example) is `new`."
    )

    assert [s.text for s in split_structured(text)] == [
        "Infrastructure: Docker (proficiency 80/100), Kubernetes.",
        "Blog (https://x.example) is new.",  # a link keeps its address: often the fact asked for
    ]


def test_wrapped_lines_join_code_is_left_out_and_a_table_row_reads_as_a_sentence() -> None:
    text = (
        "It scores a model with pluggable\nmetrics and writes a report.\n\n"
        "```python\nsuite.run()\n```\n\n"
        "| Metric | Baseline | This system |\n|:--|--:|--:|\n| p99 latency (ms) | 2400 | 850 |\n"
    )

    assert [s.text for s in split_structured(text)] == [
        "It scores a model with pluggable metrics and writes a report.",
        "p99 latency (ms): Baseline 2400, This system 850.",
    ]


@pytest.mark.parametrize(
    ("question", "terms", "intent"),
    [
        ("Tell me about evalkit", ["evalkit"], None),
        ("what does he use?", [], "technology"),
        ("does he know kubernetes", ["kubernetes"], "technology"),
        ("what's his stack", [], "technology"),
        ("Where did Vasu study?", [], "education"),
        ("Did he work at Google?", ["google"], "career"),
        ("What was it built with?", [], "technology"),
    ],
)
def test_chatter_and_the_owners_name_are_not_what_a_question_asks_for(
    question: str, terms: list[str], intent: str | None
) -> None:
    asked = analyse(question, owner_name="Vasu Kapoor")

    assert [t.word for t in asked.terms] == terms
    assert [i.name for i in asked.intents][:1] == ([intent] if intent else [])


def test_a_name_typed_with_a_capital_mid_sentence_is_marked_as_one() -> None:
    asked = analyse("Did he work at Google on search?")

    assert [(t.word, t.name) for t in asked.terms] == [("google", True), ("search", False)]
