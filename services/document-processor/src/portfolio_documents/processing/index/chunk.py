"""Text → chunks the embedder can read whole, each knowing where it came from.

Markdown is cut at its headings first, so a chunk never straddles two sections and carries its
heading path (``["Project X", "Architecture"]``); each section then goes through langchain's
``RecursiveCharacterTextSplitter`` (paragraphs, then lines, sentences, clauses, words) with the
length measured in the embedder's own tokens: at most ``max_tokens`` per chunk (the local model
reads 256, special tokens included) and about ``overlap_ratio`` of that carried over between
neighbours. PDF pages are joined with :data:`PAGE_SEPARATOR` and chunked as one text, so a passage
running over a page break stays whole and gets ``page_start``/``page_end``; the form feed inside
the separator stays in the chunk's text, so a reader (the chatbot citing a sentence) can tell on
which page each part of it stands.

Every chunk's text is an exact slice of its input: ``text[chunk.char_start:chunk.char_end] ==
chunk.text``, where ``text`` is the Markdown given, or :func:`join_pages` of the pages. The result
depends only on the input and the token counter.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from portfolio_documents.processing.types import Chunk, PageText
from portfolio_shared.contracts import PAGE_BREAK

TokenCounter = Callable[[str], int]

DEFAULT_MAX_TOKENS = 240
DEFAULT_OVERLAP_RATIO = 0.15
#: What joins PDF pages: PAGE_BREAK, a form feed (declared in portfolio_shared.contracts, where the
#: chatbot reads it too), between paragraph breaks. Every
#: page adds exactly one, so the page of a position in a chunk is its ``page_start`` plus the form
#: feeds before it. The splitter prefers to cut there.
PAGE_SEPARATOR = f"\n{PAGE_BREAK}\n"
#: Coarse to fine; a separator stays at the end of the piece before it (a sentence keeps its period).
SEPARATORS = [PAGE_SEPARATOR, "\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]

_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_NOT_A_SETEXT_TITLE = re.compile(r"^ {0,3}([-*+>|]|\d+[.)])(\s|$)")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*{1,3}|(?<!\w)_{1,3})(?=\S)(.+?)(?<=\S)\1")
_WORD_START = re.compile(r"(?<=\s)\S")


@dataclass(frozen=True)
class Section:
    """A stretch of Markdown under one heading: ``text[start:end]``; ``body_start`` skips the heading line."""

    heading_path: list[str]
    start: int
    body_start: int
    end: int


def join_pages(pages: Sequence[PageText]) -> str:
    """The text :func:`chunk_pages` offsets point into (a form feed inside a page becomes a space,
    so the only form feeds are page breaks)."""
    return PAGE_SEPARATOR.join(page.text.replace(PAGE_BREAK, " ") for page in pages)


def chunk_markdown(
    text: str,
    *,
    count_tokens: TokenCounter,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap_ratio: float = DEFAULT_OVERLAP_RATIO,
) -> list[Chunk]:
    """Chunks of Markdown ``text``, section by section, with heading paths and character offsets."""
    splitter = _Splitter(count_tokens, max_tokens, overlap_ratio)
    chunks: list[Chunk] = []
    for section in markdown_sections(text):
        if not text[section.body_start : section.end].strip():
            continue  # a heading followed directly by its first subheading: the path carries it
        for start, end in splitter.spans(text, section.start, section.end, heading_end=section.body_start):
            chunks.append(
                Chunk(
                    text=text[start:end],
                    index=len(chunks),
                    heading_path=list(section.heading_path),
                    page_start=None,
                    page_end=None,
                    char_start=start,
                    char_end=end,
                )
            )
    return chunks


def chunk_pages(
    pages: Sequence[PageText],
    *,
    count_tokens: TokenCounter,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap_ratio: float = DEFAULT_OVERLAP_RATIO,
) -> list[Chunk]:
    """Chunks of extracted pages with the page numbers they cover and offsets into :func:`join_pages`.

    PDF text has no reliable heading markup, so ``heading_path`` stays empty.
    """
    text = join_pages(pages)
    starts: list[int] = []
    position = 0
    for page in pages:
        starts.append(position)
        position += len(page.text) + len(PAGE_SEPARATOR)

    def page_at(offset: int) -> int:
        return pages[bisect.bisect_right(starts, offset) - 1].number

    splitter = _Splitter(count_tokens, max_tokens, overlap_ratio)
    return [
        Chunk(
            text=text[start:end],
            index=index,
            heading_path=[],
            page_start=page_at(start),
            page_end=page_at(end - 1),
            char_start=start,
            char_end=end,
        )
        for index, (start, end) in enumerate(splitter.spans(text, 0, len(text)))
    ]


def markdown_sections(text: str) -> list[Section]:
    """``text`` cut at its ATX (``## Title``) and setext (``Title`` over ``===``/``---``) headings.

    Headings inside fenced code blocks are code, not structure. Text before the first heading is a
    section with an empty path. The sections cover ``text`` without gaps.
    """
    headings: list[tuple[int, str, int, int]] = []  # level, title, line start, body start
    fence: str | None = None
    previous: tuple[int, str] | None = (
        None  # start and text of the previous line, if it may title a setext heading
    )
    position = 0
    for line in text.splitlines(keepends=True):
        start, position = position, position + len(line)
        content = line.rstrip("\r\n")
        opening = _FENCE.match(content)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            previous = None
            continue
        if opening:
            fence, previous = opening.group(1), None
            continue
        atx = _ATX_HEADING.match(content)
        if atx:
            headings.append((len(atx.group(1)), _clean_title(atx.group(2) or ""), start, position))
            previous = None
            continue
        underline = _SETEXT_UNDERLINE.match(content)
        if underline and previous is not None:
            level = 1 if underline.group(1)[0] == "=" else 2
            headings.append((level, _clean_title(previous[1]), previous[0], position))
            previous = None
            continue
        title_candidate = content.strip() and not _NOT_A_SETEXT_TITLE.match(content)
        previous = (start, content) if title_candidate else None

    sections: list[Section] = []
    if not headings or headings[0][2] > 0:
        first = headings[0][2] if headings else len(text)
        sections.append(Section([], 0, 0, first))
    stack: list[tuple[int, str]] = []
    for i, (level, title, start, body_start) in enumerate(headings):
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))
        end = headings[i + 1][2] if i + 1 < len(headings) else len(text)
        sections.append(Section([t for _, t in stack if t], start, body_start, end))
    return sections


def _clean_title(title: str) -> str:
    """A heading as a reader sees it: link text without its URL, no emphasis or code marks."""
    plain = _EMPHASIS.sub(r"\2", _LINK.sub(r"\1", title)).replace("`", "")
    return " ".join(plain.split())


def _starts_sentence(text: str, position: int) -> bool:
    """Whether ``text[position]`` begins a sentence or a line (after ``.!?:`` or a newline)."""
    i = position - 1
    newline = False
    while i >= 0 and text[i].isspace():
        newline = newline or text[i] == "\n"
        i -= 1
    return i < 0 or newline or text[i] in ".!?:"


class _Splitter:
    """Cores from the recursive splitter, then each core extended back into its predecessor.

    langchain's own overlap carries whole splits only (whole sentences, here), so a sentence longer
    than the overlap budget leaves neighbours with no overlap at all. Instead the splitter cuts
    non-overlapping cores of ``max_tokens - overlap`` tokens, and each chunk then starts up to
    ``overlap`` tokens before its core, at a sentence start when one is close, else at a word start.
    """

    def __init__(self, count_tokens: TokenCounter, max_tokens: int, overlap_ratio: float) -> None:
        if max_tokens < 8:
            raise ValueError("max_tokens must be at least 8")
        if not 0 <= overlap_ratio < 0.5:
            raise ValueError("overlap_ratio must be in [0, 0.5)")
        # Pieces are measured again and again while cores are merged and overlaps sized.
        self.count = functools.lru_cache(maxsize=8192)(count_tokens)
        self.max_tokens = max_tokens
        self.overlap = int(max_tokens * overlap_ratio)

    def spans(
        self, text: str, start: int, end: int, *, heading_end: int | None = None
    ) -> list[tuple[int, int]]:
        """``(start, end)`` offsets into ``text`` of the chunks of ``text[start:end]``, in order.

        A first core that holds only the heading (it ends by ``heading_end``) joins the next one,
        and a last core smaller than the overlap joins the chunk before it, when the result fits.
        """
        cores = self._cores(text, start, end, self.max_tokens - self.overlap)
        if (
            heading_end is not None
            and len(cores) > 1
            and cores[0][1] <= heading_end
            and self.count(text[cores[0][0] : cores[1][1]]) <= self.max_tokens
        ):
            cores[:2] = [(cores[0][0], cores[1][1])]
        spans = cores[:1]
        for (previous_start, _), (core_start, core_end) in itertools.pairwise(cores):
            spans.append((self._overlap_start(text, previous_start, core_start, core_end), core_end))
        if len(spans) > 1:
            tail_core = text[cores[-1][0] : cores[-1][1]]
            merged = (spans[-2][0], spans[-1][1])
            if (
                self.count(tail_core) < max(self.overlap, 1)
                and self.count(text[merged[0] : merged[1]]) <= self.max_tokens
            ):
                spans[-2:] = [merged]
        return spans

    def _cores(self, text: str, start: int, end: int, size: int) -> list[tuple[int, int]]:
        region = text[start:end]
        if not region.strip():
            return []
        splitter = RecursiveCharacterTextSplitter(
            separators=SEPARATORS,
            keep_separator="end",
            chunk_size=size,
            chunk_overlap=0,
            length_function=self._split_length,
            strip_whitespace=True,
        )
        cores: list[tuple[int, int]] = []
        cursor = 0
        for piece in splitter.split_text(region):
            found = region.find(piece, cursor)
            if found < 0:  # pieces are disjoint slices of the region, in order (see _split_length)
                raise RuntimeError("the text splitter returned text that is not part of its input")
            piece_start, piece_end = start + found, start + found + len(piece)
            # Token counts of joined pieces are not exactly additive: check the merged piece itself.
            if self.count(piece) > size and size > 4:
                cores.extend(self._cores(text, piece_start, piece_end, max(4, (size * 3) // 4)))
            else:
                cores.append((piece_start, piece_end))
            cursor = found + len(piece)
        return cores

    def _split_length(self, piece: str) -> int:
        """Tokens of a split as the recursive splitter sees them: at least one for any character.

        The tokenizer drops some characters altogether (combining marks, soft hyphens, bidi and
        zero-width marks, controls). A split of only those measures 0 tokens, and langchain's merge,
        which empties its window by subtracting lengths until the total is 0, then leaves it in the
        window: the split ends one piece and starts the next too. Overlapping pieces break the
        slicing below, which then raises (or, in repetitive text, finds a later copy and drops text).
        """
        return max(self.count(piece), 1) if piece else 0

    def _overlap_start(self, text: str, previous_start: int, core_start: int, core_end: int) -> int:
        """Where a chunk whose own text is ``text[core_start:core_end]`` starts, overlap included."""
        if self.overlap == 0:
            return core_start
        region = text[previous_start:core_start]
        if any(ch.isspace() for ch in region):
            candidates = [previous_start + m.start() for m in _WORD_START.finditer(region)]
        else:  # no spaces (CJK, one long token): any character may start the overlap
            candidates = list(range(previous_start + 1, core_start))
        candidates = [c for c in candidates if previous_start < c < core_start]

        def fits(position: int) -> bool:
            return (
                self.count(text[position:core_start]) <= self.overlap
                and self.count(text[position:core_end]) <= self.max_tokens
            )

        # Tokens of a suffix grow as it starts earlier: find the earliest start that still fits.
        low, high = 0, len(candidates)
        while low < high:
            middle = (low + high) // 2
            if fits(candidates[middle]):
                high = middle
            else:
                low = middle + 1
        if low == len(candidates):
            return core_start
        earliest = candidates[low]
        for position in candidates[low:]:
            if _starts_sentence(text, position):
                # a sentence start that keeps at least half the overlap reads better than a cut word run
                if 2 * self.count(text[position:core_start]) >= self.overlap:
                    return position
                break
        return earliest
