"""Markdown to safe HTML: markdown-it-py renders, nh3 keeps only an allow-list of tags and attributes.

The owner writes Markdown (bio, project bodies, journey descriptions), possibly with a little raw
HTML as on GitHub (``<details>``, ``<kbd>``, ``<sup>``). markdown-it-py renders CommonMark plus
tables and strikethrough with raw HTML passed through; nh3 (ammonia) then rebuilds the HTML from
an allow-list, which is what makes it safe: ``<script>``/``<style>`` go with their content, every
``on*`` attribute and ``style`` (except a table cell's alignment) goes, and URLs keep only
http(s)/mailto or relative forms, so ``javascript:`` and ``data:`` never survive. Sanitising the
renderer's *output* (not its input) means nothing the renderer produces can bypass the list.

The models store the result (``*_html``) on save: reads outnumber writes by far, so rendering once
per edit keeps every GET a plain column read. Changing the allow-list means re-saving the content
(``manage.py reindex_content --rerender``).
"""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

_URL_SCHEMES = frozenset({"http", "https", "mailto"})
_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "a": {"href", "hreflang", "title"},
    "img": {"alt", "src", "title", "width", "height"},
    "code": {"class"},
    "th": {*nh3.ALLOWED_ATTRIBUTES["th"], "style"},
    "td": {*nh3.ALLOWED_ATTRIBUTES["td"], "style"},
}
_LANGUAGE_CLASS = re.compile(r"language-[\w+#.-]{1,40}")
_CELL_ALIGN = re.compile(r"text-align:\s*(left|right|center);?")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    # markdown-it emits class="language-x" on fenced code and style="text-align:x" on aligned table
    # cells; those exact shapes are kept so the SPA can highlight and align, anything else is dropped.
    if attribute == "class":
        return value if tag == "code" and _LANGUAGE_CLASS.fullmatch(value) else None
    if attribute == "style":
        return value if tag in ("th", "td") and _CELL_ALIGN.fullmatch(value.strip()) else None
    return value


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def sanitize_html(html: str) -> str:
    """Keep only allow-listed tags, attributes and URL schemes of ``html``."""
    return nh3.clean(
        html,
        attributes=_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        url_schemes=set(_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """CommonMark (+ tables, strikethrough) to sanitised HTML; empty text gives an empty string."""
    if not text or not text.strip():
        return ""
    return sanitize_html(_renderer().render(text))
