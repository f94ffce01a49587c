"""The data that flows between the processing stages: pages of text, extracted PDFs and chunks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PageText:
    """The text of one PDF page; ``number`` counts from 1, as a reader cites it."""

    number: int
    text: str


@dataclass
class ExtractedPdf:
    """A PDF's pages, its metadata title (if any) and which extractor(s) produced the text."""

    pages: list[PageText]
    title: str | None
    extractor: str


@dataclass
class Chunk:
    """One piece of a document to embed: where it sits (pages, heading path, character offsets).

    ``text == source[char_start:char_end]``, where ``source`` is the Markdown chunked, or
    ``processing.index.chunk.join_pages(pages)`` for a PDF. ``page_start``/``page_end`` are the numbers of
    the first and last page the text comes from (``None`` for text without pages); ``heading_path``
    lists the Markdown headings above it, outermost first.
    """

    text: str
    index: int
    heading_path: list[str]
    page_start: int | None
    page_end: int | None
    char_start: int
    char_end: int
