"""Text hygiene: what Postgres, UTF-8 and XML 1.0 cannot hold is removed, words stay apart."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio_shared.text import has_control_characters, strip_control_characters


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("plain text", "plain text"),
        ("tab\tline\nreturn\r", "tab\tline\nreturn\r"),  # XML and Postgres take these
        ("nul\x00bell\x07esc\x1b[0m", "nulbellesc[0m"),
        (
            "vertical\x0btab and form\x0cfeed, unit\x1fsep, next\x85line",
            "vertical tab and form feed, unit sep, next line",
        ),
        ("del\x7f c1\x9b", "del c1"),
        ("half \ud800 pair \udfff", "half  pair "),
        ("nonchar\ufffe\uffff", "nonchar"),
        (
            "ümlaut, ﬁ ligature, 漢字, emoji 🙂, zero\u200bwidth",
            "ümlaut, ﬁ ligature, 漢字, emoji 🙂, zero\u200bwidth",
        ),
    ],
)
def test_control_characters_and_lone_surrogates_are_removed(raw: str, clean: str) -> None:
    assert strip_control_characters(raw) == clean
    assert has_control_characters(raw) == (raw != clean)


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_the_result_encodes_as_utf8_and_is_valid_xml_text(text: str) -> None:
    clean = strip_control_characters(text)
    clean.encode("utf-8")  # no lone surrogate left
    assert "\x00" not in clean
    assert not has_control_characters(clean)
    assert strip_control_characters(clean) == clean
