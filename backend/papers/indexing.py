"""Papers searchable without their PDF: each paper's title, abstract and ``ai_summary`` indexed as
text, through core's transactional outbox, under ``paper-text:<arxiv_id>``
(:func:`portfolio_shared.contracts.paper_text_key`; the PDF keeps its own key).

What was last sent is remembered per key in ``content.IndexRecord`` (owner :data:`OWNER`), as for
the owner's content: a paper whose indexed text is unchanged is not sent again, so the daily
scrape of ~1,500 papers, most of them known, enqueues only what changed. Changed papers go as
``POST /process/batch`` messages of up to :data:`BATCH_ITEMS` text items (15 messages for 1,500
new papers instead of 1,500); a hidden paper's document is removed with
``DELETE /documents/{key}``, and unhiding sends it again.

Each message carries its papers' complete current text, so before enqueueing, the same keys are
**superseded** in messages no dispatcher holds yet: removed from pending batches (a batch left
empty is deleted) and pending single requests dropped (``discard_pending``). An older message
retried after a newer one would otherwise bring back stale text, or a hidden paper.

Called from every write path: the bulk upsert (``papers.services``), the admin's hide/unhide
actions and change form (``papers.admin``, ``papers.signals``); ``manage.py index_paper_texts``
repairs or backfills (papers stored before this existed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from content.index_documents import DocumentRequest, delete_request
from content.models import IndexRecord
from papers import links
from papers.models import Paper
from portfolio_shared.contracts import PROCESS_BATCH, arxiv_id_of_paper_text, paper_text_key
from portfolio_shared.outbox import enqueue_call
from portfolio_shared.schemas import MetadataValue, TextForIndexing

DESTINATION = PROCESS_BATCH.service
OWNER = "papers.paper"
#: The document processor's cap on one ``POST /process/batch``.
BATCH_ITEMS = 100
BATCH_PATH = PROCESS_BATCH.path
#: What a paper's indexed text is made of; a change to any other field sends nothing.
TEXT_FIELDS = (
    "arxiv_id",
    "title",
    "authors",
    "organization",
    "abstract",
    "ai_summary",
    "hidden",
    "published",
    "primary_category",
)

# Removes the given keys from batches no dispatcher holds; empty batches are deleted next.
_SUPERSEDE_IN_BATCHES = """
UPDATE outbox_message
SET payload = jsonb_set(payload, '{items}', COALESCE((
    SELECT jsonb_agg(item) FROM jsonb_array_elements(payload->'items') AS item
    WHERE NOT (item->>'document_key' = ANY(%s))), '[]'::jsonb))
WHERE destination = %s AND path = %s AND method = 'POST' AND delivered_at IS NULL AND NOT dead
  AND locked_by IS NULL
  AND EXISTS (SELECT 1 FROM jsonb_array_elements(payload->'items') AS item
              WHERE item->>'document_key' = ANY(%s))
"""
# The keys' single requests (a text POSTed alone, a DELETE) no dispatcher holds: one statement for
# all keys, where ``discard_pending`` would take one per key.
_SUPERSEDE_SINGLE = """
DELETE FROM outbox_message
WHERE destination = %s AND delivered_at IS NULL AND NOT dead AND locked_by IS NULL
  AND ((method = 'POST' AND payload->>'document_key' = ANY(%s)) OR (method = 'DELETE' AND path = ANY(%s)))
"""
_DROP_EMPTY_BATCHES = """
DELETE FROM outbox_message
WHERE destination = %s AND path = %s AND method = 'POST' AND delivered_at IS NULL AND NOT dead
  AND locked_by IS NULL AND jsonb_array_length(payload->'items') = 0
"""


@dataclass
class PaperSync:
    """Keys of one sync: texts sent, documents deleted, papers skipped as unchanged; messages enqueued."""

    sent: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    messages: int = 0


def paper_url(arxiv_id: str) -> str:
    """Our page of the paper: what a citation of its text links to."""
    return links.paper_url(arxiv_id)


def _byline(paper: Paper) -> str:
    """ "Authors: A, B and C (Organisation)." — what "who wrote the X paper?" is answered with."""
    authors = [a.strip() for a in paper.authors or [] if a.strip()]
    if not authors:
        return ""
    names = ", ".join(authors[:-1]) + f" and {authors[-1]}" if len(authors) > 1 else authors[0]
    organisation = (paper.organization or "").strip()
    return f"Authors: {names}" + (f" ({organisation})" if organisation else "") + "."


def paper_text(paper: Paper) -> TextForIndexing | None:
    """The paper as ``POST /process/text`` takes it (Markdown: the title is the heading the chunks
    carry), or None when it has no text worth indexing."""
    parts = [f"# {paper.title.strip()}", _byline(paper), paper.abstract.strip()]
    if paper.ai_summary and paper.ai_summary.strip():
        parts.append(f"## Summary\n\n{paper.ai_summary.strip()}")
    if not paper.title.strip():
        return None
    metadata: dict[str, MetadataValue] = {"kind": "paper", "arxiv_id": paper.arxiv_id}
    if paper.published is not None:
        metadata["published"] = paper.published.date().isoformat()
    if paper.primary_category:
        metadata["primary_category"] = paper.primary_category
    return TextForIndexing(
        document_key=paper_text_key(paper.arxiv_id),
        title=paper.title.strip(),
        text="\n\n".join(part for part in parts if part),
        format="markdown",
        source_url=paper_url(paper.arxiv_id),
        metadata=metadata,
    )


def _batch_item(doc: TextForIndexing) -> dict[str, Any]:
    return {"type": "text", **doc.model_dump(mode="json")}


def _supersede(cursor: CursorWrapper, keys: Sequence[str]) -> None:
    """Drop the keys' pending messages: from batches, then single POSTs and DELETEs."""
    if not keys:
        return
    cursor.execute(_SUPERSEDE_IN_BATCHES, [list(keys), DESTINATION, BATCH_PATH, list(keys)])
    cursor.execute(_DROP_EMPTY_BATCHES, [DESTINATION, BATCH_PATH])
    cursor.execute(_SUPERSEDE_SINGLE, [DESTINATION, list(keys), [delete_request(k).path for k in keys]])


@transaction.atomic(savepoint=False)
def sync_papers(papers: Iterable[Paper], *, force: bool = False) -> PaperSync:
    """Bring the index in line with ``papers`` (load them with :data:`TEXT_FIELDS`): enqueue the
    texts that changed (all with ``force``) and delete the documents of hidden papers."""
    result = PaperSync()
    wanted: dict[str, DocumentRequest | None] = {}
    for paper in papers:
        doc = None if paper.hidden else paper_text(paper)
        key = paper_text_key(paper.arxiv_id)
        wanted[key] = None if doc is None else DocumentRequest(PROCESS_BATCH.bind(_batch_item(doc)))
    if not wanted:
        return result
    records = {
        r.document_key: r
        for r in IndexRecord.objects.select_for_update().filter(document_key__in=list(wanted))
    }
    to_send: dict[str, tuple[dict[str, Any], str]] = {}
    to_delete: list[str] = []
    for key, request in wanted.items():
        record = records.get(key)
        if request is None:
            if record is not None:
                to_delete.append(key)
            else:
                result.unchanged += 1
            continue
        digest = request.digest()
        if not force and record is not None and record.sha256 == digest:
            result.unchanged += 1
            continue
        to_send[key] = (request.payload, digest)
    with connection.cursor() as cursor:
        _supersede(cursor, [*to_send, *to_delete])
        items = list(to_send.items())
        for start in range(0, len(items), BATCH_ITEMS):
            batch = items[start : start + BATCH_ITEMS]
            enqueue_call(
                cursor,
                PROCESS_BATCH.bind({"items": [payload for _, (payload, _) in batch]}),
                notify=start + BATCH_ITEMS >= len(items) and not to_delete,  # one wake-up is enough
            )
            result.messages += 1
        for key in to_delete:
            enqueue_call(cursor, delete_request(key).call)
            result.messages += 1
    if to_delete:
        IndexRecord.objects.filter(document_key__in=to_delete).delete()
        result.deleted = to_delete
    if to_send:
        stored = {r.document_key: r for r in records.values() if r.document_key in to_send}
        for key, (_, digest) in to_send.items():
            record = stored.get(key)
            if record is not None:
                record.sha256, record.owner = digest, OWNER
        IndexRecord.objects.bulk_update(list(stored.values()), ["sha256", "owner"])
        IndexRecord.objects.bulk_create(
            [
                IndexRecord(document_key=k, owner=OWNER, sha256=d)
                for k, (_, d) in to_send.items()
                if k not in stored
            ]
        )
        result.sent = list(to_send)
    return result


def sync_arxiv_ids(arxiv_ids: Iterable[str], *, force: bool = False) -> PaperSync:
    """:func:`sync_papers` for the stored papers with these ids."""
    ids = list(arxiv_ids)
    return sync_papers(Paper.objects.filter(arxiv_id__in=ids).only(*TEXT_FIELDS), force=force)


def forget(arxiv_id: str) -> PaperSync:
    """Delete a deleted paper's document (its row is gone, so :func:`sync_papers` cannot see it)."""
    key = paper_text_key(arxiv_id)
    result = PaperSync()
    with transaction.atomic(), connection.cursor() as cursor:
        if IndexRecord.objects.filter(document_key=key).delete()[0]:
            _supersede(cursor, [key])
            enqueue_call(cursor, delete_request(key).call)
            result.deleted, result.messages = [key], 1
    return result


def reindex_all(*, force: bool = False, chunk: int = 2000) -> PaperSync:
    """Sync every stored paper, ``chunk`` at a time (one transaction each); the repair/backfill path."""
    total = PaperSync()
    ids = list(Paper.objects.order_by("arxiv_id").values_list("arxiv_id", flat=True))
    known = {paper_text_key(i) for i in ids}
    vanished = IndexRecord.objects.filter(owner=OWNER).values_list("document_key", flat=True)
    for key in [k for k in vanished if k not in known]:  # papers deleted by SQL, without signals
        part = forget(arxiv_id_of_paper_text(key) or "")
        total.deleted += part.deleted
        total.messages += part.messages
    for start in range(0, len(ids), chunk):
        part = sync_arxiv_ids(ids[start : start + chunk], force=force)
        total.sent += part.sent
        total.deleted += part.deleted
        total.unchanged += part.unchanged
        total.messages += part.messages
    return total
