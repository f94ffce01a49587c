"""Keeping the chatbot's index in step with the content, through core's transactional outbox.

Why signals (``content.signals``) and not calls from the admin and ``seed_content``: every write
path of the ORM — the admin's change form, its list-editable columns and its bulk "delete
selected" (``QuerySet.delete()`` sends ``post_delete`` per object), ``seed_content``, the shell, a
future view — sends ``post_save``/``post_delete``/``m2m_changed``, whereas explicit calls are only
as complete as the list of callers someone remembered. The usual objection to signals, that they
run outside the writer's transaction, does not hold here: every content model saves inside
``transaction.atomic`` (``IndexedContent.save``), ``delete()`` and M2M changes are atomic in
Django, and the receivers write to the outbox through the same connection, so the message commits
or rolls back with the row. What bypasses signals — ``QuerySet.update()``, ``bulk_create``, raw
SQL — is not used on content; ``manage.py reindex_content`` repairs the index after such a write.

Each sync compares what a piece of content should look like in the index with :class:`IndexRecord`
(what was last sent, by key and by owner):

* a key the owner no longer produces (slug renamed, repository removed, item deleted) is deleted;
* a key whose request digest is unchanged is skipped (saving without changes sends nothing);
* otherwise the request is enqueued, after **superseding** the key's messages that no dispatcher
  holds: each message carries the document's complete current state, so an older one still
  waiting (never sent, or waiting for a retry while the processor is down) would only re-index
  stale text — and, retried after the newer one, overwrite it. Removing it keeps one pending
  message per key, in order. Rows a dispatcher holds (``locked_by`` set) are left alone; the row
  lock our DELETE takes makes a concurrent claim skip it until we commit. Within one admin save
  (row, then its M2M) this also collapses the two syncs into one message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from content import index_documents as docs
from content.models import IndexRecord, JourneyEntry, Profile, Project, TechStack
from portfolio_shared.contracts import DELETE_DOCUMENT
from portfolio_shared.outbox import discard_pending, enqueue_call

DESTINATION = DELETE_DOCUMENT.service


@dataclass
class SyncResult:
    """Keys enqueued by one sync: sent (POSTs), deleted, and skipped as unchanged."""

    sent: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def extend(self, other: SyncResult) -> SyncResult:
        self.sent += other.sent
        self.deleted += other.deleted
        self.unchanged += other.unchanged
        return self


def _send(cursor: CursorWrapper, document_key: str, request: docs.DocumentRequest) -> None:
    delete_path = docs.delete_request(document_key).path
    discard_pending(cursor, destination=DESTINATION, document_key=document_key, path=delete_path)
    enqueue_call(cursor, request.call)


@transaction.atomic(savepoint=False)
def sync_owner(owner: str, wanted: Mapping[str, docs.DocumentRequest], *, force: bool = False) -> SyncResult:
    """Make the index hold exactly ``wanted`` for ``owner``; enqueue what differs (all with ``force``)."""
    result = SyncResult()
    records = {r.document_key: r for r in IndexRecord.objects.select_for_update().filter(owner=owner)}
    with connection.cursor() as cursor:
        for key, record in records.items():
            if key not in wanted:
                _send(cursor, key, docs.delete_request(key))
                record.delete()
                result.deleted.append(key)
        for key, request in wanted.items():
            digest = request.digest()
            record = records.get(key)
            if not force and record is not None and record.sha256 == digest:
                result.unchanged.append(key)
                continue
            _send(cursor, key, request)
            # The key may have belonged to another owner (a slug handed from one project to another).
            IndexRecord.objects.update_or_create(
                document_key=key, defaults={"owner": owner, "sha256": digest}
            )
            result.sent.append(key)
    return result


def sync_profile(*, force: bool = False) -> SyncResult:
    """Index the profile (or delete its document when there is none)."""
    return sync_owner(docs.PROFILE_OWNER, docs.profile_documents(Profile.load()), force=force)


def sync_tech_stack(*, force: bool = False) -> SyncResult:
    """Index the whole tech stack as one document."""
    return sync_owner(docs.TECH_STACK_OWNER, docs.tech_stack_documents(TechStack.objects.all()), force=force)


def sync_journey_entry(entry: JourneyEntry, *, force: bool = False) -> SyncResult:
    return sync_owner(docs.journey_owner(entry.pk), docs.journey_documents(entry), force=force)


def sync_project(project: Project, *, force: bool = False) -> SyncResult:
    technologies = project.technologies.order_by("category", "order", "name")
    return sync_owner(
        docs.project_owner(project.pk), docs.project_documents(project, technologies), force=force
    )


def sync_projects(projects: Iterable[Project] | None = None, *, force: bool = False) -> SyncResult:
    """Re-index projects (all by default): their text names their technologies."""
    result = SyncResult()
    for project in Project.objects.all() if projects is None else projects:
        result.extend(sync_project(project, force=force))
    return result


def forget(owner: str) -> SyncResult:
    """Delete every document of ``owner`` (a deleted journey entry or project)."""
    return sync_owner(owner, {})


@transaction.atomic
def reindex_all(*, force: bool = False) -> SyncResult:
    """Bring the whole index in line with the content, deleting documents of vanished owners.

    The repair path after writes that send no signals; ``force`` re-sends every document (after
    the document processor lost its store).
    """
    result = sync_profile(force=force)
    result.extend(sync_tech_stack(force=force))
    live = {docs.PROFILE_OWNER, docs.TECH_STACK_OWNER}
    for entry in JourneyEntry.objects.all():
        result.extend(sync_journey_entry(entry, force=force))
        live.add(docs.journey_owner(entry.pk))
    for project in Project.objects.all():
        result.extend(sync_project(project, force=force))
        live.add(docs.project_owner(project.pk))
    # Only the content's own owners: papers' texts are kept by ``papers.indexing``.
    orphans = (
        IndexRecord.objects.filter(owner__startswith="content.")
        .exclude(owner__in=live)
        .values_list("owner", flat=True)
        .distinct()
    )
    for owner in list(orphans):
        result.extend(forget(owner))
    return result
