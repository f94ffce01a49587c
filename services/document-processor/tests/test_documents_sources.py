"""Job sources (the JSON a job row carries) and the HTML the text endpoint accepts."""

from __future__ import annotations

from portfolio_documents.processing import sources
from portfolio_documents.processing.html import html_to_text
from portfolio_documents.processing.index.fingerprint import content_sha256


def test_html_keeps_headings_and_paragraphs_and_drops_scripts() -> None:
    html = (
        "<html><head><title>x</title><style>p{color:red}</style></head><body>"
        "<h1>Project  X</h1><p>First <b>bold</b>\n paragraph.</p><script>alert(1)</script>"
        "<h2>Stack</h2><ul><li>Django</li><li>React &amp; Vite</li></ul></body></html>"
    )
    assert (
        html_to_text(html) == "# Project X\n\nFirst bold paragraph.\n\n## Stack\n\n- Django\n- React & Vite"
    )


def test_derived_document_keys() -> None:
    assert sources.pdf_url_source("https://a.example/p.pdf")["document_key"] == "pdf:https://a.example/p.pdf"
    assert (
        sources.pdf_url_source("https://a.example/p.pdf", document_key="paper:1")["document_key"] == "paper:1"
    )
    upload = sources.pdf_upload_source("f" * 64 + ".pdf", file_sha256="f" * 64, filename="a.pdf")
    assert upload["document_key"] == f"pdf:sha256:{'f' * 64}"
    assert sources.github_source("Octo", "Repo")["document_key"] == "github:octo/repo"


def test_a_text_source_is_fingerprinted_as_indexed() -> None:
    html = sources.text_source(document_key="k", title="t", text="<p>Hello   world</p>", text_format="html")
    plain = sources.text_source(document_key="k", title="t", text="Hello world")
    assert html["content_sha256"] == plain["content_sha256"] == content_sha256("Hello world")
    assert sources.source_url(plain) is None
    assert sources.source_url(sources.pdf_url_source("https://a.example/p.pdf")) == "https://a.example/p.pdf"
