"""What every answer provider returns, and the citation bookkeeping they share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Protocol

from chatbot.retrieval import Passage

Mode = Literal["extractive", "generative"]
MARKER = re.compile(r"\[(\d{1,2})\]")
SNIPPET_CHARS = 240
NOT_FOUND = (
    "I could not find anything about that in the portfolio's projects or papers, so I would rather not guess."
)


@dataclass
class Citation:
    title: str
    url: str | None
    source_type: str | None
    page: int | None
    snippet: str
    score: float


@dataclass
class Answer:
    answer: str
    mode: Mode
    citations: list[Citation] = field(default_factory=list)


class Provider(Protocol):
    mode: Mode

    def answer(self, question: str, passages: list[Passage]) -> Answer: ...


def snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET_CHARS else flat[: SNIPPET_CHARS - 1].rstrip() + "…"


def declined(mode: Mode) -> Answer:
    """The answer when nothing relevant was retrieved: says so, cites nothing."""
    return Answer(answer=NOT_FOUND, mode=mode)


def cite(text: str, passages: list[Passage], mode: Mode, snippets: dict[int, str] | None = None) -> Answer:
    """``text`` whose ``[n]`` markers (1-based into ``passages``) are renumbered in order of first
    use, with one citation per referenced source; markers naming no passage are removed."""
    numbers: dict[int, int] = {}
    #: Passages of one source (same title, URL and page: two chunks of one document) share a number.
    sources: dict[tuple[str, str | None, int | None], int] = {}

    def renumber(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if not 1 <= n <= len(passages):
            return ""
        passage = passages[n - 1]
        first = sources.setdefault((passage.title, passage.url, passage.page), n)
        numbers.setdefault(first, len(numbers) + 1)
        return f"[{numbers[first]}]"

    renumbered = re.sub(r" +([.,;:!?])", r"\1", MARKER.sub(renumber, text)).strip()
    renumbered = re.sub(r"(\[\d{1,2}\])(?:\1)+", r"\1", renumbered)  # [1][1] -> [1]
    citations = [
        Citation(
            title=passages[n - 1].title,
            url=passages[n - 1].url,
            source_type=passages[n - 1].source_type,
            page=passages[n - 1].page,
            snippet=(snippets or {}).get(n) or snippet(passages[n - 1].text),
            score=round(passages[n - 1].score, 6),
        )
        for n in numbers
    ]
    return Answer(answer=renumbered, mode=mode, citations=citations)
