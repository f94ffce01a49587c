"""From a job's source to text ready to chunk: fetch (or read the upload), then extract.

The two stages the pipeline reports separately: :func:`fetch` returns the raw material (PDF bytes,
a GitHub repository's Markdown files, or the text itself), :func:`extract` turns it into
:class:`Content` — pages for a PDF, Markdown sections otherwise — plus the full text whose
fingerprint decides dedup.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from portfolio_documents.processing.index.chunk import join_pages
from portfolio_documents.processing.net.guard import under_base
from portfolio_documents.processing.net.safe_http import DEFAULT_MAX_REDIRECTS
from portfolio_documents.processing.sources import indexable_text
from portfolio_documents.processing.storage import Storage
from portfolio_shared.errors import ValidationFailed

if TYPE_CHECKING:
    from portfolio_documents.processing.types import PageText


class InvalidSource(ValidationFailed):
    code = "invalid_source"
    default_message = "The job's source cannot be processed."


class EmptyDocument(ValidationFailed):
    code = "empty_document"
    default_message = "The document has no text to index."


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int
    max_pages: int
    allow_private: bool
    #: Ports a fetch may dial (``OUTBOUND_ALLOWED_PORTS``); ``None``: any.
    allowed_ports: frozenset[int] | None
    github_api_url: str
    github_token: str | None = None
    #: Core's public base (``CORE_PUBLIC_URL``, when set): a PDF under it (core's media,
    #: the owner's CV) is fetched even at a private address or another port, without redirects.
    trusted_base: str | None = None

    def trusts(self, url: str) -> bool:
        """Whether ``url`` lies under :attr:`trusted_base`."""
        return under_base(url, self.trusted_base)


@dataclass(frozen=True)
class Section:
    """A piece of Markdown chunked on its own; its chunks' heading paths start with ``heading_prefix``."""

    text: str
    heading_prefix: list[str] = field(default_factory=list)


@dataclass
class Fetched:
    """The raw material of a job."""

    kind: str
    pdf: bytes | None = None
    sections: list[Section] = field(default_factory=list)
    title: str | None = None
    source_url: str | None = None
    file_sha256: str | None = None


@dataclass
class Content:
    """Text ready to chunk: ``pages`` for a PDF, ``sections`` otherwise; ``full_text`` is fingerprinted."""

    title: str
    full_text: str
    pages: list[PageText] | None = None
    sections: list[Section] = field(default_factory=list)
    page_count: int | None = None
    source_url: str | None = None
    file_sha256: str | None = None
    extractor: str | None = None


def _url_title(url: str) -> str | None:
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    return name or None


def fetch(source: Mapping[str, Any], storage: Storage, limits: FetchLimits) -> Fetched:
    """Fetch a source's raw material (the network or the storage backend; nothing for text)."""
    kind = source.get("type")
    if kind == "text":
        text = indexable_text(str(source["text"]), str(source.get("format", "text")))
        return Fetched(
            kind="text",
            sections=[Section(text)],
            title=source.get("title"),
            source_url=source.get("source_url"),
        )
    if kind == "pdf" and source.get("upload"):
        data = storage.get(str(source["upload"]))
        return Fetched(
            kind="pdf",
            pdf=data,
            title=source.get("title") or _stem(source.get("filename")),
            file_sha256=hashlib.sha256(data).hexdigest(),
        )
    if kind == "pdf" and source.get("url"):
        from portfolio_documents.processing.net.fetch import fetch_pdf

        url = str(source["url"])
        trusted = limits.trusts(url)
        data = fetch_pdf(
            url,
            max_bytes=limits.max_bytes,
            allow_private=limits.allow_private or trusted,
            allowed_ports=None if trusted else limits.allowed_ports,
            max_redirects=0 if trusted else DEFAULT_MAX_REDIRECTS,
        )
        return Fetched(
            kind="pdf",
            pdf=data,
            title=source.get("title"),
            source_url=url,
            file_sha256=hashlib.sha256(data).hexdigest(),
        )
    if kind == "github":
        from portfolio_documents.processing.net.fetch import fetch_github

        repo = fetch_github(
            str(source["repo"]),
            api_url=limits.github_api_url,
            token=limits.github_token,
            include_docs=bool(source.get("include_docs")),
            allow_private=limits.allow_private,
            allowed_ports=limits.allowed_ports,
            max_bytes=limits.max_bytes,
        )
        sections = [Section(repo.readme.text)]
        sections += [Section(doc.text, [doc.path]) for doc in repo.docs]
        return Fetched(
            kind="github",
            sections=sections,
            title=f"{repo.owner}/{repo.name}",
            source_url=repo.readme.html_url or None,
        )
    raise InvalidSource(f"Unknown source type {kind!r}.")


def _stem(filename: object) -> str | None:
    if not isinstance(filename, str) or not filename:
        return None
    return PurePosixPath(filename).stem or None


def extract(fetched: Fetched, limits: FetchLimits) -> Content:
    """PDF bytes become pages (helper B's extractor); Markdown sections pass through."""
    if fetched.kind == "pdf":
        from portfolio_documents.processing.pdf.extract import extract_pdf

        assert fetched.pdf is not None
        extracted = extract_pdf(fetched.pdf, max_pages=limits.max_pages)
        pages = list(extracted.pages)
        full_text = join_pages(pages)  # chunk offsets point into it
        title = fetched.title or extracted.title or (fetched.source_url and _url_title(fetched.source_url))
        content = Content(
            title=title or "Untitled PDF",
            full_text=full_text,
            pages=pages,
            page_count=len(pages),
            source_url=fetched.source_url,
            file_sha256=fetched.file_sha256,
            extractor=extracted.extractor,
        )
    else:
        content = Content(
            title=fetched.title or "Untitled",
            full_text="\n\n".join(section.text for section in fetched.sections),
            sections=list(fetched.sections),
            source_url=fetched.source_url,
        )
    if not content.full_text.strip():
        raise EmptyDocument()
    return content
