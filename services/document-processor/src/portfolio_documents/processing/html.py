"""HTML to Markdown-ish text for indexing: headings become ``#`` lines, blocks become paragraphs.

Enough for the HTML that core sends (rich-text fields of its content), so the chunker can still split
by heading; scripts, styles and templates are dropped. Not a general HTML-to-Markdown converter.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "br",
        "tr",
        "table",
        "ul",
        "ol",
        "pre",
        "blockquote",
    }
)
_SKIP = frozenset({"script", "style", "template", "noscript", "head"})
_HEADINGS = {f"h{level}": level for level in range(1, 7)}


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _HEADINGS:
            self.parts.append("\n\n" + "#" * _HEADINGS[tag] + " ")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
        elif tag in ("td", "th"):
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _HEADINGS or tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            # Inline whitespace is collapsed; line structure comes from the tags alone.
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """The readable text of ``html`` with Markdown headings, paragraphs separated by blank lines."""
    converter = _Converter()
    converter.feed(html)
    converter.close()
    text = "".join(converter.parts)
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
