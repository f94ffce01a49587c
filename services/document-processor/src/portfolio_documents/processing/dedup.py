"""Is this content already stored? One decision for the intake routes (before a job is made) and the
pipeline (after extraction), so that both skip exactly the same work.

A stored document makes new work unnecessary when it holds the same content (``content_sha256``)
and either

- sits under this very key unchanged: the same title, metadata and source URL, embedded by the
  current model (all five must match, or re-indexing would lose an edit or a model change); or
- sits under another key: the content is a duplicate, answered with the older document.

The document under this key wins over a duplicate under another; among duplicates, the oldest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Select, select

from portfolio_documents.models import Document


def same_content(content_sha256: str) -> Select[tuple[Document]]:
    """The stored documents holding this content, oldest first (for a sync or an async session)."""
    return select(Document).where(Document.content_sha256 == content_sha256).order_by(Document.created_at)


def already_stored(
    stored: Iterable[Document],
    *,
    document_key: str,
    content_sha256: str,
    title: str,
    metadata: Mapping[str, Any],
    source_url: str | None,
    model_id: str,
) -> Document | None:
    """The document among ``stored`` that makes storing this content again unnecessary, or None."""
    duplicate: Document | None = None
    for document in stored:
        if document.content_sha256 != content_sha256:
            continue
        if document.document_key != document_key:
            if duplicate is None:
                duplicate = document
        elif (
            document.embedding_model == model_id
            and document.title == title
            and document.meta == dict(metadata)
            and document.source_url == source_url
        ):
            return document
    return duplicate
