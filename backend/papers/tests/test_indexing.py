"""Papers' texts reach the chatbot's index through core's outbox: only the changed ones, in batches;
hidden papers are deleted from it, unhidden ones sent again; pending messages are superseded."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from content.models import IndexRecord
from content.tests.support import clear_outbox, outbox
from papers import indexing
from papers.models import Paper
from papers.tests.conftest import payload, store

pytestmark = pytest.mark.django_db
PAPERS = f"/{settings.ADMIN_PATH}papers/paper/"


def batch_items(messages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every text item of the pending batch messages, by document key."""
    return {
        item["document_key"]: item
        for message in messages
        if message["path"] == indexing.BATCH_PATH
        for item in message["payload"]["items"]
    }


def test_received_papers_are_enqueued_as_text_items_with_our_page_as_source(post_bulk) -> None:  # type: ignore[no-untyped-def]
    clear_outbox()
    response = post_bulk(
        [
            payload(
                "2401.00001", title="Sparse attention", abstract="We prune heads.", ai_summary="Fewer heads."
            ),
            payload("hep-th/9901001", title="Strings", abstract=""),
        ]
    )
    assert response.status_code == 200
    messages = outbox()
    assert [(m["method"], m["path"], m["destination"], m["kind"]) for m in messages] == [
        ("POST", "/process/batch", "documents", "rest")
    ]
    items = batch_items(messages)
    assert set(items) == {"paper-text:2401.00001", "paper-text:hep-th/9901001"}
    item = items["paper-text:2401.00001"]
    assert item["type"] == "text" and item["format"] == "markdown"
    assert item["title"] == "Sparse attention"
    assert "We prune heads." in item["text"] and "Fewer heads." in item["text"]
    assert "Authors: Ada Lovelace and Alan Turing" in item["text"]  # "who wrote …?"
    assert item["source_url"] == f"{settings.SITE_URL}/papers/2401.00001"
    assert items["paper-text:hep-th/9901001"]["source_url"] == f"{settings.SITE_URL}/papers/hep-th/9901001"
    assert item["metadata"]["kind"] == "paper" and item["metadata"]["arxiv_id"] == "2401.00001"


def test_only_papers_whose_text_changed_are_enqueued_again(post_bulk) -> None:  # type: ignore[no-untyped-def]
    papers = [payload(f"2401.{n:05d}") for n in range(1, 6)]
    post_bulk(papers)
    clear_outbox()
    post_bulk(papers)  # nothing changed
    assert outbox() == []
    changed = [
        payload("2401.00001", version=2, abstract="A new abstract."),
        payload("2401.00002", hf_upvotes=40),  # not indexed text: no message
        payload("2401.00003", ai_summary="Now with a summary."),
        *papers[3:],
    ]
    post_bulk(changed)
    assert set(batch_items(outbox())) == {"paper-text:2401.00001", "paper-text:2401.00003"}


def test_changed_papers_go_in_batches_of_at_most_a_hundred(post_bulk) -> None:  # type: ignore[no-untyped-def]
    clear_outbox()
    post_bulk([payload(f"2402.{n:05d}") for n in range(250)])
    sizes = [len(m["payload"]["items"]) for m in outbox()]
    assert sorted(sizes) == [50, 100, 100]


def test_a_newer_text_supersedes_the_pending_one(post_bulk) -> None:  # type: ignore[no-untyped-def]
    clear_outbox()
    post_bulk([payload("2401.00001", abstract="First."), payload("2401.00002")])
    post_bulk([payload("2401.00001", version=2, abstract="Second.")])
    messages = outbox()
    items = [item for m in messages for item in m["payload"]["items"]]
    assert sorted(i["document_key"] for i in items) == ["paper-text:2401.00001", "paper-text:2401.00002"]
    assert "Second." in next(i for i in items if i["document_key"] == "paper-text:2401.00001")["text"]
    # A batch left with nothing to send is dropped.
    post_bulk(
        [payload("2401.00001", version=3, abstract="Third."), payload("2401.00002", version=2, abstract="x")]
    )
    assert len(outbox()) == 1


def test_hiding_enqueues_a_delete_and_unhiding_sends_the_text_again(admin_client: Client) -> None:
    [paper] = store(payload("2401.00001", title="Graph transformers"))
    clear_outbox()
    response = admin_client.post(PAPERS, {"action": "hide", "_selected_action": [paper.pk]})
    assert response.status_code == 302
    assert [(m["method"], m["path"]) for m in outbox()] == [("DELETE", "/documents/paper-text%3A2401.00001")]
    assert not IndexRecord.objects.filter(document_key="paper-text:2401.00001").exists()
    # Hidden, a new version sends nothing.
    store(payload("2401.00001", version=2, title="Graph transformers v2"))
    assert [m["method"] for m in outbox()] == ["DELETE"]
    response = admin_client.post(PAPERS, {"action": "unhide", "_selected_action": [paper.pk]})
    assert response.status_code == 302
    messages = outbox()
    assert [m["method"] for m in messages] == ["POST"]  # the pending delete was superseded
    assert batch_items(messages)["paper-text:2401.00001"]["title"] == "Graph transformers v2"


def test_a_deleted_paper_is_deleted_from_the_index() -> None:
    [paper] = store(payload("2401.00001"))
    clear_outbox()
    paper.delete()
    assert [(m["method"], m["path"]) for m in outbox()] == [("DELETE", "/documents/paper-text%3A2401.00001")]


def test_the_command_backfills_unsent_papers_and_forgets_vanished_ones() -> None:
    store(payload("2401.00001"), payload("2401.00002"))
    IndexRecord.objects.filter(document_key="paper-text:2401.00002").delete()  # never sent
    Paper.objects.filter(arxiv_id="2401.00001").delete()  # deleted: its document goes at once
    IndexRecord.objects.get_or_create(
        document_key="paper-text:2401.00009", defaults={"owner": indexing.OWNER, "sha256": "0" * 64}
    )
    clear_outbox()
    call_command("index_paper_texts")
    messages = outbox()
    assert set(batch_items(messages)) == {"paper-text:2401.00002"}
    assert {m["path"] for m in messages if m["method"] == "DELETE"} == {"/documents/paper-text%3A2401.00009"}


def test_content_reindex_leaves_paper_texts_alone() -> None:
    from content.indexing import reindex_all

    store(payload("2401.00001"))
    reindex_all()
    assert IndexRecord.objects.filter(document_key="paper-text:2401.00001").exists()
