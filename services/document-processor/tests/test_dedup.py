"""The one "already stored?" decision that intake and the pipeline both take (``processing.dedup``)."""

from __future__ import annotations

from typing import Any

import pytest

from portfolio_documents.models import Document
from portfolio_documents.processing.dedup import already_stored

SHA = "a" * 64
MODEL = "local-minilm"
WANTED: dict[str, Any] = {
    "document_key": "project:zephyr",
    "content_sha256": SHA,
    "title": "Zephyr",
    "metadata": {"kind": "project"},
    "source_url": "https://example.org/zephyr",
}


def stored(**changes: Any) -> Document:
    fields: dict[str, Any] = {
        "document_key": WANTED["document_key"],
        "content_sha256": SHA,
        "title": WANTED["title"],
        "meta": dict(WANTED["metadata"]),
        "source_url": WANTED["source_url"],
        "embedding_model": MODEL,
        "source_type": "text",
    }
    return Document(**{**fields, **changes})


def decide(*documents: Document) -> Document | None:
    return already_stored(documents, **WANTED, model_id=MODEL)


def test_the_same_key_unchanged_is_already_stored() -> None:
    same = stored()
    assert decide(same) is same


@pytest.mark.parametrize(
    "change",
    [
        {"content_sha256": "b" * 64},
        {"embedding_model": "vertex-text-embedding-005"},
        {"title": "Zephyr (renamed)"},
        {"meta": {"kind": "project", "year": 2026}},
        {"source_url": "https://example.org/moved"},
    ],
    ids=["content", "model", "title", "metadata", "source_url"],
)
def test_any_of_the_five_changed_under_the_same_key_needs_work(change: dict[str, Any]) -> None:
    assert decide(stored(**change)) is None


def test_the_same_content_under_another_key_is_a_duplicate_the_oldest_first() -> None:
    older, newer = stored(document_key="paper:2401.00001"), stored(document_key="upload:x")
    assert decide(older, newer) is older
    # A duplicate is a duplicate whatever its title, metadata or model.
    renamed = stored(document_key="upload:y", title="Other", meta={}, embedding_model="old")
    assert decide(renamed) is renamed


def test_the_key_itself_wins_over_an_older_duplicate() -> None:
    duplicate, same = stored(document_key="upload:x"), stored()
    assert decide(duplicate, same) is same
    # Changed under its own key, the older duplicate still answers.
    assert decide(duplicate, stored(title="Edited")) is duplicate


def test_other_content_is_never_a_match() -> None:
    assert decide(stored(document_key="upload:x", content_sha256="c" * 64)) is None
    assert decide() is None
