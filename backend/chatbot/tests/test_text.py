"""The chatbot's lexical helpers: forms of one word meet, different words do not."""

from __future__ import annotations

import pytest

from chatbot.text import split_sentences, stem


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
    ],
)
def test_forms_of_one_word_share_a_stem(forms: tuple[str, ...]) -> None:
    assert len({stem(form) for form in forms}) == 1, {form: stem(form) for form in forms}


@pytest.mark.parametrize("word", ["analysis", "status", "bus", "use"])
def test_words_ending_in_s_that_are_no_plurals_keep_it(word: str) -> None:
    assert stem(word).endswith("s") == word.endswith("s")


def test_sentences_split_at_full_stops_and_blank_lines() -> None:
    assert split_sentences("One here. Two there.\n\nThree.") == ["One here.", "Two there.", "Three."]
