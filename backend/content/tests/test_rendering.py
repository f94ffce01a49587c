"""Markdown is rendered server-side and no script survives: tags, attributes, URL schemes, raw HTML."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from content.rendering import render_markdown
from content.tests.support import make_entry, make_profile, make_project

ATTACKS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.test/x.js></SCRIPT>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    "<img src=x onerror=alert(1)>",
    '<img src="x" ONERROR="alert(1)">',
    "![x](javascript:alert(1))",
    '<svg onload="alert(1)"><circle/></svg>',
    '<iframe src="https://evil.test"></iframe>',
    '<div onclick="alert(1)" style="background:url(javascript:alert(1))">x</div>',
    '<form action="https://evil.test"><input name=x></form>',
    "<style>body{display:none}</style>",
    '<object data="https://evil.test/x.swf"></object>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<details open ontoggle="alert(1)"><summary>s</summary></details>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "```\n</code><script>alert(1)</script>\n```",
]


SCRIPT_CAPABLE = {"script", "iframe", "object", "embed", "form", "input", "style", "svg", "math"}


class _Elements(HTMLParser):
    """Collects (tag, attributes) of every element, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


def assert_inert(html: str) -> None:
    """No element can run script: no script-capable tag, no event handler, no script URL."""
    for tag, attrs in elements(html):
        assert tag not in SCRIPT_CAPABLE, html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name != "style" or tag in ("th", "td"), html
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                lowered = (value or "").strip().lower()
                assert not lowered.startswith(("javascript:", "data:", "vbscript:")), html


@pytest.mark.parametrize("attack", ATTACKS)
def test_no_script_survives_rendering(attack: str) -> None:
    assert_inert(render_markdown(f"Hello\n\n{attack}\n\nbye"))


def test_markdown_renders_commonmark_tables_and_code() -> None:
    html = render_markdown(
        '# Title\n\n**bold** [site](https://example.test "t")\n\n'
        "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```python\nx = 1\n```\n\n~~gone~~"
    )
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html
    assert '<a href="https://example.test" title="t" rel="noopener noreferrer nofollow">site</a>' in html
    assert '<th style="text-align:left">a</th>' in html and '<td style="text-align:right">2</td>' in html
    assert '<code class="language-python">x = 1\n</code>' in html
    assert "<s>gone</s>" in html


def test_safe_raw_html_is_kept_and_dangerous_parts_removed() -> None:
    html = render_markdown(
        '<details><summary>More</summary>Body <kbd>Ctrl</kbd></details>\n\n<img src="/a.png" onerror="x()">'
    )
    assert "<details><summary>More</summary>Body <kbd>Ctrl</kbd></details>" in html
    assert '<img src="/a.png">' in html


def test_only_language_classes_and_cell_alignment_survive() -> None:
    html = render_markdown(
        '<code class="language-py evil">x</code> <span class="hero" style="color:red">y</span>'
    )
    assert "class=" not in html and "style=" not in html


def test_empty_markdown_renders_nothing() -> None:
    assert render_markdown("") == "" and render_markdown("  \n") == ""


@pytest.mark.django_db
def test_models_store_sanitised_html_on_save() -> None:
    profile = make_profile(bio="Hi <script>alert(1)</script> *there*")
    entry = make_entry("Engineer", description="[x](javascript:alert(1)) **done**")
    project = make_project("p", body="<img src=x onerror=alert(1)>\n\n## Body")
    assert "<em>there</em>" in profile.bio_html and "<script" not in profile.bio_html
    assert "<strong>done</strong>" in entry.description_html and "<a" not in entry.description_html
    assert "<h2>Body</h2>" in project.body_html and "onerror" not in project.body_html
    for html in (profile.bio_html, entry.description_html, project.body_html):
        assert_inert(html)

    project.body = "changed"
    project.save(update_fields=["body"])  # the HTML follows even when only the source is named
    project.refresh_from_db()
    assert project.body_html == "<p>changed</p>\n"
