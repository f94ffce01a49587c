"""Chunking measured in the real embedder's tokens: limits, overlap, headings, pages and offsets."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio_documents.processing.index.chunk import (
    chunk_markdown,
    chunk_pages,
    join_pages,
    markdown_sections,
)
from portfolio_documents.processing.types import Chunk, PageText
from portfolio_shared.embeddings.local import LocalMiniLMProvider

COUNT = LocalMiniLMProvider().count_tokens  # the tokenizer only; the ONNX model is never loaded here

SENTENCES = [
    "The scraper fetches new papers every night.",
    "Each paper is scored for relevance to the owner's interests.",
    "Chunks keep their page numbers so answers can cite them.",
    "Hybrid search fuses vector similarity with keyword ranking.",
    "The worker survives hostile PDFs because each task runs in a child process.",
    "Summaries are stored with the document and sent in the webhook.",
]


def prose(sentences: int, seed: int = 0) -> str:
    return " ".join(SENTENCES[(seed + i) % len(SENTENCES)] + f" (note {seed}-{i})" for i in range(sentences))


MARKDOWN = f"""Intro before any heading. {prose(3)}

# Project X

{prose(4, 1)}

## Architecture

{prose(30, 2)}

```python
# not a heading, a comment in code
def main() -> None:
    pass
```

### Data [flow](https://example.invalid/flow)

{prose(5, 3)}

## Deployment ##

{prose(4, 4)}

Setext *Title*
==============

{prose(3, 5)}

Sub part
--------

- a list item
- another one with a `code` span

| column | other |
|--------|-------|
| a      | b     |
"""


def assert_slices_back(text: str, chunks: list[Chunk]) -> None:
    for chunk in chunks:
        assert text[chunk.char_start : chunk.char_end] == chunk.text
        assert chunk.text == chunk.text.strip() and chunk.text


def covered(text: str, chunks: list[Chunk]) -> set[int]:
    return {i for c in chunks for i in range(c.char_start, c.char_end)}


def test_empty_input_gives_no_chunks() -> None:
    assert chunk_markdown("", count_tokens=COUNT) == []
    assert chunk_markdown("  \n\n\t \n", count_tokens=COUNT) == []
    assert chunk_markdown("# Only a heading\n\n## And another\n", count_tokens=COUNT) == []
    assert chunk_pages([], count_tokens=COUNT) == []
    assert chunk_pages([PageText(1, ""), PageText(2, "  \n ")], count_tokens=COUNT) == []


@pytest.mark.parametrize("max_tokens", [240, 64])
def test_no_chunk_exceeds_the_limit_in_real_tokens(max_tokens: int) -> None:
    awkward = (
        MARKDOWN
        + "\n## Awkward\n\n"
        + "a run-on sentence without any punctuation that goes on " * 40
        + "\n\n"
        + "https://example.invalid/"
        + "x9Qz" * 400  # one enormous "word"
        + "\n\n"
        + "漢字とかなの文章も分割されます。" * 60
    )
    chunks = chunk_markdown(awkward, count_tokens=COUNT, max_tokens=max_tokens)
    assert len(chunks) > 5
    assert max(COUNT(c.text) for c in chunks) <= max_tokens
    assert_slices_back(awkward, chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_neighbours_overlap_by_about_the_ratio() -> None:
    text = prose(80)
    chunks = chunk_markdown(text, count_tokens=COUNT, max_tokens=120, overlap_ratio=0.15)
    assert len(chunks) >= 4
    for before, after in itertools.pairwise(chunks):
        assert after.char_start < before.char_end  # the next chunk starts inside the previous one
        shared = text[after.char_start : before.char_end]
        assert 0 < COUNT(shared) <= 18 + 2  # 15 % of 120, give or take a boundary token
        assert after.char_start > before.char_start

    without = chunk_markdown(text, count_tokens=COUNT, max_tokens=120, overlap_ratio=0)
    assert all(b.char_start >= a.char_end for a, b in itertools.pairwise(without))
    assert len(without) < len(chunks)


def test_heading_paths_follow_the_outline() -> None:
    chunks = chunk_markdown(MARKDOWN, count_tokens=COUNT)
    assert_slices_back(MARKDOWN, chunks)

    def path_of(needle: str) -> list[str]:
        (chunk,) = [c for c in chunks if needle in c.text][:1]
        return chunk.heading_path

    assert path_of("Intro before any heading") == []
    assert path_of("(note 1-0)") == ["Project X"]
    assert path_of("(note 2-0)") == ["Project X", "Architecture"]
    assert path_of("# not a heading") == ["Project X", "Architecture"]
    assert path_of("(note 3-0)") == ["Project X", "Architecture", "Data flow"]
    assert path_of("(note 4-0)") == ["Project X", "Deployment"]
    assert path_of("(note 5-0)") == ["Setext Title"]
    assert path_of("| column |") == ["Setext Title", "Sub part"]
    assert not any(re.fullmatch(r"#+ [^\n]*", c.text) for c in chunks)  # a heading travels with its text
    # a chunk never mixes two sections
    sections = markdown_sections(MARKDOWN)
    for chunk in chunks:
        assert any(s.start <= chunk.char_start and chunk.char_end <= s.end for s in sections)


def test_every_word_of_the_input_lands_in_a_chunk() -> None:
    chunks = chunk_markdown(MARKDOWN, count_tokens=COUNT, max_tokens=64)
    seen = covered(MARKDOWN, chunks)
    missing = [i for i, ch in enumerate(MARKDOWN) if not ch.isspace() and i not in seen]
    assert missing == []
    assert len({tuple(c.heading_path) for c in chunks}) == 7  # every section, the preamble included


def test_a_heading_line_stays_with_its_section() -> None:
    chunks = chunk_markdown("# Guide\n\nShort body.\n", count_tokens=COUNT)
    assert [(c.text, c.heading_path) for c in chunks] == [("# Guide\n\nShort body.", ["Guide"])]


def test_chunking_is_deterministic() -> None:
    assert chunk_markdown(MARKDOWN, count_tokens=COUNT) == chunk_markdown(MARKDOWN, count_tokens=COUNT)


def make_pages() -> list[PageText]:
    return [
        PageText(1, f"PAGEONE {prose(12, 0)} The experiment continued across the"),
        PageText(2, f"page break without stopping. PAGETWO {prose(25, 1)}"),
        PageText(3, ""),  # a blank page (an image, say)
        PageText(4, f"PAGEFOUR {prose(6, 2)}"),
    ]


def test_pages_are_tracked_across_page_breaks() -> None:
    pages = make_pages()
    text = join_pages(pages)
    chunks = chunk_pages(pages, count_tokens=COUNT, max_tokens=120)
    assert_slices_back(text, chunks)
    assert all(COUNT(c.text) <= 120 and c.heading_path == [] for c in chunks)

    spanning = [c for c in chunks if "continued across the\n\f\npage break" in c.text]
    assert spanning and all((c.page_start, c.page_end) == (1, 2) for c in spanning)

    for chunk in chunks:
        assert chunk.page_start is not None and chunk.page_end is not None
        assert chunk.page_start <= chunk.page_end
        markers = {int(m) for m in re.findall(r"PAGE(ONE|TWO|FOUR)", chunk.text) for m in [_NUMBERS[m]]}
        assert all(chunk.page_start <= m <= chunk.page_end for m in markers)
        assert 3 not in {chunk.page_start, chunk.page_end}  # nothing to cite on the blank page

    assert chunks[0].page_start == 1
    assert chunks[-1].page_end == 4
    seen = covered(text, chunks)
    assert all(i in seen for i, ch in enumerate(text) if not ch.isspace())


_NUMBERS = {"ONE": "1", "TWO": "2", "FOUR": "4"}


def test_page_numbers_are_the_pages_own() -> None:
    pages = [PageText(7, "Seventh page text."), PageText(9, "Ninth page text.")]
    (chunk,) = chunk_pages(pages, count_tokens=COUNT)
    assert (chunk.page_start, chunk.page_end) == (7, 9)
    assert chunk.text == "Seventh page text.\n\f\nNinth page text."


def test_each_page_break_is_one_form_feed_so_positions_map_to_pages() -> None:
    pages = [PageText(1, "One.\fstray feed"), PageText(2, ""), PageText(3, "Three.")]
    (chunk,) = chunk_pages(pages, count_tokens=COUNT)
    assert chunk.text.count("\f") == chunk.page_end - chunk.page_start == 2
    assert chunk.text.split("\f")[2].strip() == "Three."


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap_ratio"):
        chunk_markdown("text", count_tokens=COUNT, overlap_ratio=0.6)
    with pytest.raises(ValueError, match="max_tokens"):
        chunk_markdown("text", count_tokens=COUNT, max_tokens=2)


def words(text: str) -> int:
    return len(text.split())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.text(alphabet=st.sampled_from("ab .,\n#é漢"), min_size=0, max_size=60),
            st.sampled_from(["# H1\n", "## H2\n", "```\n", "Title\n===\n", "\n\n", "- item\n"]),
        ),
        max_size=40,
    ).map("".join),
    st.integers(min_value=8, max_value=40),
    st.sampled_from([0.0, 0.15, 0.3]),
    st.sampled_from([words, COUNT]),
)
def test_invariants_hold_for_any_text(
    text: str, max_tokens: int, overlap: float, count: Callable[[str], int]
) -> None:
    chunks = chunk_markdown(text, count_tokens=count, max_tokens=max_tokens, overlap_ratio=overlap)
    assert_slices_back(text, chunks)
    assert all(count(c.text) <= max_tokens for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all(a.char_start < b.char_start for a, b in itertools.pairwise(chunks))
    # nothing is lost but the heading lines of sections that hold nothing else
    body: set[int] = set()
    for section in markdown_sections(text):
        if text[section.body_start : section.end].strip():
            body.update(range(section.start, section.end))
    seen = covered(text, chunks)
    assert all(i in seen for i in body if not text[i].isspace())
