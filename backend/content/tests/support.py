"""Helpers of the content tests: outbox readers and small factories."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

from django.db import connection
from PIL import Image

from content.models import JourneyEntry, Profile, Project, TechStack


def outbox() -> list[dict[str, Any]]:
    """Pending messages of core's outbox, oldest first (method, path, payload, msg_id)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT msg_id, method, path, payload, destination, kind FROM outbox_message "
            "WHERE delivered_at IS NULL AND NOT dead ORDER BY id"
        )
        columns = [c[0] for c in cur.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
    for row in rows:
        # Django's psycopg setup hands jsonb back as text.
        if isinstance(row["payload"], str):
            row["payload"] = json.loads(row["payload"])
    return rows


def clear_outbox() -> None:
    with connection.cursor() as cur:
        cur.execute("DELETE FROM outbox_message")


def png_bytes(color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), color).save(buffer, format="PNG")
    return buffer.getvalue()


def make_tech(name: str, category: str = "ML & AI", **fields: Any) -> TechStack:
    return TechStack.objects.create(name=name, category=category, **fields)


def make_project(slug: str, *, technologies: tuple[TechStack, ...] = (), **fields: Any) -> Project:
    values: dict[str, Any] = {"title": slug.replace("-", " ").title(), "summary": f"About {slug}."}
    values.update(fields)
    project = Project.objects.create(slug=slug, **values)
    if technologies:
        project.technologies.set(technologies)
    return project


def make_entry(title: str, **fields: Any) -> JourneyEntry:
    values: dict[str, Any] = {"kind": "work", "organisation": "Acme", "start": date(2020, 1, 1)}
    values.update(fields)
    return JourneyEntry.objects.create(title=title, **values)


def make_profile(**fields: Any) -> Profile:
    values: dict[str, Any] = {"name": "Vasu Kapoor", "headline": "AI/ML Engineer", "bio": "I build *models*."}
    values.update(fields)
    return Profile.objects.create(**values)
