"""The chunker over hostile text: what a real PDF of mathematics, a right-to-left script or a page of
CJK hands it. Characters the tokenizer drops (combining marks, soft hyphens, bidi and zero-width
marks) once made it raise; the properties below hold for any mix of them."""

# The point here is characters that look like others (double-struck R, minus sign): no confusables check.
# ruff: noqa: RUF001

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdf_factory import unicode_pages

from portfolio_documents.processing.index.chunk import PAGE_BREAK, chunk_markdown, chunk_pages, join_pages
from portfolio_documents.processing.pdf.extract import extract_pdf
from portfolio_documents.processing.types import Chunk, PageText
from portfolio_shared.embeddings.local import LocalMiniLMProvider

COUNT = LocalMiniLMProvider().count_tokens  # the tokenizer only; the ONNX model is never loaded here

# Characters the MiniLM tokenizer drops entirely, so that a split made of them measures 0 tokens.
SILENT = "\u0300\u0301\u0302\u0303\u0307\u0308\u20d7\u00ad\u200b\u200e\u200f\u202e\u2061"
LIGATURES = "\ufb00\ufb01\ufb02\ufb03\ufb04"  # ﬀ ﬁ ﬂ ﬃ ﬄ
NFKC_CHANGES = "①ｆｕｌ²½…ſÅℌ\u00a0\u2126"  # circled, full-width, super/fractions, long s, Ångström, Ohm
MATH = "∑∫≤≥∈ℝ→∞∂√≠·"
GERMAN = "abcdefghiklmnoprstuwzäöüßÄÖÜ"
RTL = "שלוםעברית" + "مرحباعربي"
CJK = "漢字とかなの文章も分割されます数学定理証明"
SPACES = " \n\t"

letters = st.text(alphabet=GERMAN + LIGATURES + NFKC_CHANGES + MATH + SILENT, min_size=1, max_size=12)
hostile_piece = st.one_of(
    letters,
    st.sampled_from([" ", " ", "\n", "\n\n", ". ", ", ", "; ", "\f", "\r\n"]),
    st.text(alphabet=SILENT, min_size=1, max_size=4),  # marks standing alone, as math accents do
    st.text(alphabet=GERMAN + SILENT + LIGATURES, min_size=60, max_size=400),  # one very long word
    st.text(alphabet=RTL + "\u200f\u200e ", min_size=1, max_size=40),
    st.text(alphabet=CJK, min_size=20, max_size=300),  # CJK runs without spaces
    st.text(alphabet=SPACES, min_size=1, max_size=3),
)
page_text = st.lists(hostile_piece, max_size=60).map("".join)


def page_of(pages: Sequence[PageText], text: str, offset: int) -> int:
    """The page of ``text[offset]``, counted by the form feeds before it (each page adds one)."""
    return pages[text.count(PAGE_BREAK, 0, offset)].number


def assert_chunk_invariants(pages: Sequence[PageText], chunks: list[Chunk], max_tokens: int) -> None:
    text = join_pages(pages)
    assert text.count(PAGE_BREAK) == max(len(pages) - 1, 0)  # one form feed per page break, no more
    for chunk in chunks:
        assert text[chunk.char_start : chunk.char_end] == chunk.text
        assert chunk.text and chunk.text == chunk.text.strip()
        assert COUNT(chunk.text) <= max_tokens
        assert chunk.page_start == page_of(pages, text, chunk.char_start)
        assert chunk.page_end == page_of(pages, text, chunk.char_end - 1)
        assert chunk.text.count(PAGE_BREAK) == text.count(PAGE_BREAK, chunk.char_start, chunk.char_end)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for before, after in itertools.pairwise(chunks):
        assert before.char_start < after.char_start and before.char_end < after.char_end
    seen = {i for c in chunks for i in range(c.char_start, c.char_end)}
    assert [i for i, ch in enumerate(text) if not ch.isspace() and i not in seen] == []


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(page_text, min_size=1, max_size=5),
    st.integers(min_value=8, max_value=64),
    st.sampled_from([0.0, 0.15, 0.3]),
    st.sampled_from(["as extracted", "NFKC"]),
)
def test_hostile_pages_chunk_into_slices_within_budget_on_the_right_pages(
    texts: list[str], max_tokens: int, overlap: float, form: str
) -> None:
    if form == "NFKC":  # what a caller that normalises first hands over: offsets point into that text
        texts = [unicodedata.normalize("NFKC", t) for t in texts]
    pages = [PageText(number, t) for number, t in enumerate(texts, start=3)]
    chunks = chunk_pages(pages, count_tokens=COUNT, max_tokens=max_tokens, overlap_ratio=overlap)
    assert_chunk_invariants(pages, chunks, max_tokens)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(hostile_piece, st.sampled_from(["# Satz\n", "## Beweis\n", "```\n"])), max_size=60
    ).map("".join),
    st.integers(min_value=8, max_value=64),
)
def test_hostile_markdown_chunks_into_slices_within_budget(text: str, max_tokens: int) -> None:
    chunks = chunk_markdown(text, count_tokens=COUNT, max_tokens=max_tokens)
    for chunk in chunks:
        assert text[chunk.char_start : chunk.char_end] == chunk.text
        assert COUNT(chunk.text) <= max_tokens
    assert all(a.char_start < b.char_start for a, b in itertools.pairwise(chunks))


def german_math_pages(count: int) -> list[list[str]]:
    """Pages of a German analysis textbook as pdfTeX and a PDF reader leave them: umlauts, ß and
    ligatures in the prose, and formula lines with no sentence end whose accents (\\dot x, \\vec v,
    \\hat a) stand alone as combining marks, because TeX sets a math accent as a glyph of its own."""
    pages = []
    for n in range(1, count + 1):
        prose = (
            f"Satz {n}.{n + 2} (Größenabschätzung). Für jede stetige Funktion f: [a, b] → ℝ gilt "
            f"die Ungleichung |∫ f(x) dx| ≤ (b − a) · sup |f|. Der Beweis ﬁndet sich in Abschnitt {n}; "
            f"wir überlassen die Einzelheiten dem Leser, da sie ﬂießend aus Lemma {n + 1} folgen. "
            "Häuﬁg betrachten wir die Reihe ∑ aₖ mit aₖ ≥ 0, deren Partialsummen beschränkt sind."
        )
        formula = " ".join(
            f"x {chr(0x307)} {k} + v {chr(0x20D7)} ₖ ≤ a {chr(0x302)} {k * n} ∫ ∑ ∂ {chr(0x308)}"
            for k in range(1, 40)
        )
        long_word = "".join(f"Lo{chr(0x308)}sungsraum{k}ﬀ" for k in range(25))  # no break anywhere
        pages.append([prose, formula, long_word, prose.replace("Satz", "Korollar")])
    return pages


def test_a_german_mathematics_text_chunks_with_its_pages() -> None:
    """The regression: such text made the splitter return overlapping pieces, and the chunker raise
    "the text splitter returned text that is not part of its input"."""
    pages = [PageText(n, "\n".join(paragraphs)) for n, paragraphs in enumerate(german_math_pages(6), 1)]
    for max_tokens in (240, 64):
        chunks = chunk_pages(pages, count_tokens=COUNT, max_tokens=max_tokens)
        assert_chunk_invariants(pages, chunks, max_tokens)
        assert {c.page_start for c in chunks} == {1, 2, 3, 4, 5, 6}


def test_the_same_text_as_a_multi_page_pdf_extracts_and_chunks() -> None:
    """Through a real PDF: the reader wraps the formula lines, so small budgets split them at spaces,
    where the lone accents become splits of 0 tokens."""
    extracted = extract_pdf(unicode_pages(german_math_pages(4)), max_pages=10).pages
    assert [p.number for p in extracted] == [1, 2, 3, 4]
    assert chr(0x20D7) in extracted[0].text  # the lone accents survive extraction
    for max_tokens in (240, 32):
        chunks = chunk_pages(extracted, count_tokens=COUNT, max_tokens=max_tokens)
        assert_chunk_invariants(extracted, chunks, max_tokens)
        for number in (1, 2, 3, 4):
            on_page = [c for c in chunks if c.page_start <= number <= c.page_end]
            assert any(f"Satz {number}.{number + 2}" in c.text for c in on_page)
