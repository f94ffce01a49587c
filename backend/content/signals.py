"""Signal receivers that keep the chatbot's index in step with every content write.

Why signals rather than explicit calls: see ``content.indexing``. Connected in ``ContentConfig.ready``.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from content import indexing
from content.index_documents import journey_owner, project_owner
from content.models import JourneyEntry, Profile, Project, TechStack


def _profile_changed(sender: type[Profile], **kwargs: Any) -> None:
    indexing.sync_profile()


def _tech_changed(sender: type[TechStack], **kwargs: Any) -> None:
    # A project's document lists its technologies by name, so a rename or a removal reaches them;
    # unchanged projects are skipped by their digest. On delete, Django has already removed the
    # M2M rows before post_delete, so the projects no longer name the technology.
    indexing.sync_tech_stack()
    indexing.sync_projects()


def _journey_saved(sender: type[JourneyEntry], instance: JourneyEntry, **kwargs: Any) -> None:
    indexing.sync_journey_entry(instance)


def _journey_deleted(sender: type[JourneyEntry], instance: JourneyEntry, **kwargs: Any) -> None:
    indexing.forget(journey_owner(instance.pk))


def _project_saved(sender: type[Project], instance: Project, **kwargs: Any) -> None:
    indexing.sync_project(instance)


def _project_deleted(sender: type[Project], instance: Project, **kwargs: Any) -> None:
    indexing.forget(project_owner(instance.pk))


def _technologies_changed(
    sender: type[Any],
    instance: Project | TechStack,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        assert isinstance(instance, Project)
        indexing.sync_project(instance)
    elif pk_set:  # tech.projects.add/remove(...): those projects changed
        indexing.sync_projects(Project.objects.filter(pk__in=pk_set))
    else:  # tech.projects.clear(): which projects lost it is no longer known
        indexing.sync_projects()


def connect() -> None:
    """Connect the receivers (idempotent: each has a dispatch_uid)."""
    for model, saved, deleted in (
        (Profile, _profile_changed, _profile_changed),
        (TechStack, _tech_changed, _tech_changed),
        (JourneyEntry, _journey_saved, _journey_deleted),
        (Project, _project_saved, _project_deleted),
    ):
        post_save.connect(saved, sender=model, dispatch_uid=f"content-index-save-{model.__name__}")
        post_delete.connect(deleted, sender=model, dispatch_uid=f"content-index-delete-{model.__name__}")
    m2m_changed.connect(
        _technologies_changed, sender=Project.technologies.through, dispatch_uid="content-index-technologies"
    )
