"""What a job processes: the ``source`` JSON stored on its row, and the document key it writes to.

The API and the CLI build sources here, the pipeline reads them, so both agree on the shape:

- text: ``{"type": "text", "document_key", "title", "text", "format", "source_url", "metadata",
  "content_sha256"}``
- PDF by URL: ``{"type": "pdf", "url", "document_key", "title", "metadata"}``
- PDF upload: ``{"type": "pdf", "upload": <stored name>, "filename", "file_sha256", "document_key",
  "title", "metadata"}``
- GitHub: ``{"type": "github", "repo": "owner/name", "include_docs", "document_key", "metadata"}``
- batch: ``{"type": "batch", "items": <count>}`` (its items are jobs of their own)

Keys a caller does not choose are derived from what identifies the content: ``pdf:<url>``,
``pdf:sha256:<file hash>``, ``github:<owner>/<name>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portfolio_documents.processing.html import html_to_text
from portfolio_documents.processing.index.fingerprint import content_sha256

#: A source flag: process even when the stored document already holds this content (``POST
#: /documents/{key}/reprocess``).
REPROCESS = "reprocess"

MetadataValue = str | int | float | bool
Source = dict[str, Any]
SOURCE_TYPES = ("pdf", "github", "text", "batch")


def indexable_text(text: str, text_format: str) -> str:
    """The text that is chunked and fingerprinted: HTML becomes Markdown-ish text, the rest stays."""
    return html_to_text(text) if text_format == "html" else text


def text_source(
    *,
    document_key: str,
    title: str,
    text: str,
    text_format: str = "text",
    source_url: str | None = None,
    metadata: Mapping[str, MetadataValue] | None = None,
) -> Source:
    return {
        "type": "text",
        "document_key": document_key,
        "title": title,
        "text": text,
        "format": text_format,
        "source_url": source_url,
        "metadata": dict(metadata or {}),
        "content_sha256": content_sha256(indexable_text(text, text_format)),
    }


def pdf_url_source(
    url: str,
    *,
    document_key: str | None = None,
    title: str | None = None,
    metadata: Mapping[str, MetadataValue] | None = None,
) -> Source:
    return {
        "type": "pdf",
        "url": url,
        "document_key": document_key or f"pdf:{url}",
        "title": title,
        "metadata": dict(metadata or {}),
    }


def pdf_upload_source(
    stored_name: str,
    *,
    file_sha256: str,
    filename: str | None,
    document_key: str | None = None,
    title: str | None = None,
    metadata: Mapping[str, MetadataValue] | None = None,
) -> Source:
    return {
        "type": "pdf",
        "upload": stored_name,
        "filename": filename,
        "file_sha256": file_sha256,
        "document_key": document_key or f"pdf:sha256:{file_sha256}",
        "title": title,
        "metadata": dict(metadata or {}),
    }


def github_source(
    owner: str,
    name: str,
    *,
    include_docs: bool = False,
    document_key: str | None = None,
    metadata: Mapping[str, MetadataValue] | None = None,
) -> Source:
    return {
        "type": "github",
        "repo": f"{owner}/{name}",
        "include_docs": include_docs,
        "document_key": document_key or f"github:{owner}/{name}".lower(),
        "metadata": dict(metadata or {}),
    }


def batch_source(items: int) -> Source:
    return {"type": "batch", "items": items}


def source_url(source: Mapping[str, Any]) -> str | None:
    """The public URL of what a source processes, when the request named one (a GitHub repository's
    comes from the fetched README)."""
    url = source.get("url") or source.get("source_url")
    return str(url) if url else None
