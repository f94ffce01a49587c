"""Writes of the portfolio content: loading the owner's YAML (``seed_content``) idempotently.

Natural keys: the profile is a singleton, a technology its name, a journey entry its
(kind, title, organisation), a project its slug. A row is saved only when a value differs, so a
second run changes nothing (and, through ``content.indexing``'s digests, sends nothing). Indexing
for the chatbot needs no call here: the models' signals enqueue it in this same transaction.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from content.models import JourneyEntry, Profile, Project, TechStack, tech_slug
from content.seed_schema import SeedContent, SeedJourney, SeedProfile, SeedProject, SeedTech


class SeedError(Exception):
    """The content file refers to something that does not exist (a file, a technology)."""


@dataclass
class SeedReport:
    """What a load did, per section: ``created``, ``updated``, ``unchanged``, ``deleted``."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def count(self, section: str, outcome: str) -> None:
        self.counts.setdefault(section, Counter())[outcome] += 1

    def total(self, outcome: str) -> int:
        return sum(c[outcome] for c in self.counts.values())


def _assign(instance: models.Model, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stored_sha256(current: FieldFile) -> str | None:
    if not current or not current.storage.exists(current.name):
        return None
    with current.storage.open(current.name, "rb") as handle:
        return _sha256(handle.read())


def _store_file(instance: models.Model, field_name: str, path: Path | None) -> bool:
    """Put ``path``'s bytes in ``field_name`` unless the stored file already has them."""
    if path is None:
        return False
    data = path.read_bytes()
    current: FieldFile = getattr(instance, field_name)
    if _stored_sha256(current) == _sha256(data):
        return False
    current.save(path.name, ContentFile(data), save=False)
    return True


def _resolve(base_dir: Path, relative: str | None) -> Path | None:
    if relative is None:
        return None
    path = (base_dir / relative).resolve()
    if not path.is_file():
        raise SeedError(f"file not found: {relative} (looked for {path})")
    return path


def _save(
    section: str, instance: models.Model, values: dict[str, Any], files: dict[str, Path | None] | None = None
) -> str:
    """Apply ``values`` and ``files``; save when something differs; return the outcome."""
    created = instance.pk is None
    changed = _assign(instance, values)
    for field_name, path in (files or {}).items():
        changed = _store_file(instance, field_name, path) or changed
    if not (created or changed):
        return "unchanged"
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise SeedError(f"{section} '{instance}': {'; '.join(exc.messages)}") from None
    instance.save()
    return "created" if created else "updated"


def _profile(report: SeedReport, data: SeedProfile, base_dir: Path) -> None:
    values = {
        "name": data.name,
        "headline": data.headline,
        "bio": data.bio,
        "location": data.location,
        "links": [link.model_dump() for link in data.links],
    }
    files = {"photo": _resolve(base_dir, data.photo), "cv": _resolve(base_dir, data.cv)}
    report.count("profile", _save("profile", Profile.load() or Profile(), values, files))


def _tech(report: SeedReport, data: SeedTech, position: int) -> TechStack:
    instance = TechStack.objects.filter(name__iexact=data.name).first() or TechStack()
    values = {
        "name": data.name,
        "slug": data.slug or instance.slug or tech_slug(data.name),
        "category": data.category,
        "proficiency": data.proficiency,
        "icon": data.icon,
        "order": position if data.order is None else data.order,
    }
    report.count("tech_stack", _save("tech_stack", instance, values))
    return instance


def _journey(report: SeedReport, data: SeedJourney, position: int) -> JourneyEntry:
    key = {"kind": data.kind, "title": data.title, "organisation": data.organisation}
    instance = JourneyEntry.objects.filter(**key).first() or JourneyEntry(**key)
    values = {
        "start": data.start,
        "end": data.end,
        "description": data.description,
        "order": position if data.order is None else data.order,
    }
    report.count("journey", _save("journey", instance, values))
    return instance


def _technologies(names: list[str]) -> list[TechStack]:
    found: list[TechStack] = []
    missing: list[str] = []
    for name in names:
        tech = (
            TechStack.objects.filter(name__iexact=name).first() or TechStack.objects.filter(slug=name).first()
        )
        if tech is None:
            missing.append(name)
        else:
            found.append(tech)
    if missing:
        raise SeedError(f"unknown technologies (add them to tech_stack): {', '.join(missing)}")
    return found


def _project(report: SeedReport, data: SeedProject, position: int, base_dir: Path) -> Project:
    technologies = _technologies(data.technologies)
    instance = Project.objects.filter(slug=data.slug).first() or Project(slug=data.slug)
    values = {
        "title": data.title,
        "summary": data.summary,
        "body": data.body,
        "repository_url": data.repository_url or "",
        "demo_url": data.demo_url or "",
        "featured": data.featured,
        "order": position if data.order is None else data.order,
    }
    wanted = {t.pk for t in technologies}
    had = set() if instance.pk is None else set(instance.technologies.values_list("pk", flat=True))
    outcome = _save("projects", instance, values, {"image": _resolve(base_dir, data.image)})
    if had != wanted:
        instance.technologies.set(technologies)
        outcome = "updated" if outcome == "unchanged" else outcome
    report.count("projects", outcome)
    return instance


def _prune(report: SeedReport, section: str, stale: models.QuerySet[Any]) -> None:
    for instance in stale:
        instance.delete()  # one by one: each deletion reaches the chatbot's index through post_delete
        report.count(section, "deleted")


@transaction.atomic
def load_content(*, content: SeedContent, base_dir: Path, prune: bool = False) -> SeedReport:
    """Create or update everything in ``content``; with ``prune``, delete what the file no longer lists.

    All or nothing: a missing file or an unknown technology raises :class:`SeedError` and rolls back.
    """
    report = SeedReport()
    if content.profile is not None:
        _profile(report, content.profile, base_dir)
    techs = [_tech(report, item, i) for i, item in enumerate(content.tech_stack)]
    entries = [_journey(report, item, i) for i, item in enumerate(content.journey)]
    projects = [_project(report, item, i, base_dir) for i, item in enumerate(content.projects)]
    if prune:
        _prune(report, "projects", Project.objects.exclude(pk__in=[p.pk for p in projects]))
        _prune(report, "journey", JourneyEntry.objects.exclude(pk__in=[e.pk for e in entries]))
        _prune(report, "tech_stack", TechStack.objects.exclude(pk__in=[t.pk for t in techs]))
    return report
