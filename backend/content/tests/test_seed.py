"""seed_content: the sample loads, re-running updates and never duplicates, bad files fail clearly."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from content.management.commands.seed_content import DEFAULT_FILE
from content.models import IndexRecord, JourneyEntry, Profile, Project, TechStack
from content.tests.support import outbox, png_bytes

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_content", *args, stdout=out)
    return out.getvalue()


def counts() -> tuple[int, int, int, int, int]:
    return (
        Profile.objects.count(),
        TechStack.objects.count(),
        JourneyEntry.objects.count(),
        Project.objects.count(),
        Project.technologies.through.objects.count(),
    )


def write(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_the_sample_loads_and_a_second_run_changes_nothing() -> None:
    sample = yaml.safe_load(DEFAULT_FILE.read_text())
    first = seed()
    assert counts() == (
        1,
        len(sample["tech_stack"]),
        len(sample["journey"]),
        len(sample["projects"]),
        sum(len(p["technologies"]) for p in sample["projects"]),
    )
    assert "0 updated" in first and "0 unchanged" in first
    profile = Profile.objects.get()
    assert profile.name == "Vasu Kapoor" and "<strong>LLM evaluation</strong>" in profile.bio_html
    rag = Project.objects.get(slug="rag-assistant")
    assert "<table>" in rag.body_html and rag.featured
    assert set(rag.technologies.values_list("slug", flat=True)) == {
        "python",
        "pytorch",
        "transformers",
        "postgresql",
        "fastapi",
    }
    loaded = counts()
    messages = len(outbox())
    records = {r.document_key: r.sha256 for r in IndexRecord.objects.all()}
    updated_at = {p.slug: p.updated_at for p in Project.objects.all()}

    second = seed()
    assert counts() == loaded
    assert "0 created, 0 updated" in second
    assert len(outbox()) == messages  # nothing re-enqueued
    assert {r.document_key: r.sha256 for r in IndexRecord.objects.all()} == records
    assert {p.slug: p.updated_at for p in Project.objects.all()} == updated_at


def test_an_edit_in_the_yaml_updates_in_place(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_FILE.read_text())
    path = write(tmp_path / "content.yaml", data)
    seed("--file", str(path))
    before = counts()
    ids = {p.slug: p.pk for p in Project.objects.all()}

    data["profile"]["headline"] = "Staff ML Engineer"
    data["projects"][0]["title"] = "Grounded assistant v2"
    data["projects"][0]["technologies"] = ["Python"]
    data["tech_stack"][0]["proficiency"] = 99
    data["journey"][1]["description"] = "Now with **numbers**."
    write(path, data)
    output = seed("--file", str(path))

    assert counts()[:4] == before[:4]
    assert {p.slug: p.pk for p in Project.objects.all()} == ids
    assert Profile.objects.get().headline == "Staff ML Engineer"
    project = Project.objects.get(slug=data["projects"][0]["slug"])
    assert project.title == "Grounded assistant v2"
    assert list(project.technologies.values_list("name", flat=True)) == ["Python"]
    assert TechStack.objects.get(name=data["tech_stack"][0]["name"]).proficiency == 99
    entry = JourneyEntry.objects.get(title=data["journey"][1]["title"])
    assert entry.description_html == "<p>Now with <strong>numbers</strong>.</p>\n"
    assert "projects: 2 unchanged, 1 updated" in output
    pending = {m["payload"].get("document_key") for m in outbox() if m["method"] == "POST"}
    assert {"profile", "tech-stack", f"project:{project.slug}", f"journey:{entry.pk}"} <= pending


def test_prune_deletes_what_the_file_no_longer_lists(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_FILE.read_text())
    path = write(tmp_path / "content.yaml", data)
    seed("--file", str(path))
    dropped = data["projects"].pop()
    write(path, data)

    seed("--file", str(path))
    assert Project.objects.filter(slug=dropped["slug"]).exists()  # kept without --prune
    assert "1 deleted" in seed("--file", str(path), "--prune")
    assert not Project.objects.filter(slug=dropped["slug"]).exists()
    assert any(m["path"] == f"/documents/project%3A{dropped['slug']}" for m in outbox())


def test_files_are_stored_once_and_replaced_when_they_change(tmp_path: Path) -> None:
    (tmp_path / "me.png").write_bytes(png_bytes("red"))
    (tmp_path / "cv.pdf").write_bytes(b"%PDF-1.4 v1")
    (tmp_path / "shot.png").write_bytes(png_bytes("blue"))
    data = {
        "profile": {"name": "Vasu Kapoor", "photo": "me.png", "cv": "cv.pdf"},
        "projects": [{"slug": "p", "title": "P", "image": "shot.png"}],
    }
    path = write(tmp_path / "content.yaml", data)
    seed("--file", str(path))
    profile = Profile.objects.get()
    photo, cv = profile.photo.name, profile.cv.name
    assert profile.photo.read() == png_bytes("red")
    assert Project.objects.get().image.name.startswith("projects/")

    assert "0 updated" in seed("--file", str(path))
    profile.refresh_from_db()
    assert (profile.photo.name, profile.cv.name) == (photo, cv)

    (tmp_path / "cv.pdf").write_bytes(b"%PDF-1.4 v2")
    seed("--file", str(path))
    profile.refresh_from_db()
    assert profile.photo.name == photo and profile.cv.name != cv
    assert profile.cv.read() == b"%PDF-1.4 v2"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tech_stack": [{"name": "X", "category": "Y", "proficiency": 101}]}, "tech_stack.0.proficiency"),
        ({"projects": [{"slug": "has space", "title": "T"}]}, "projects.0.slug"),
        (
            {"projects": [{"slug": "p", "title": "T", "repository_url": "not a url"}]},
            "projects.0.repository_url",
        ),
        ({"journey": [{"kind": "hobby", "title": "T", "start": "2020-01-01"}]}, "journey.0.kind"),
        (
            {"journey": [{"kind": "work", "title": "T", "start": "2020-01-01", "end": "2019-01-01"}]},
            "end is before",
        ),
        (
            {"profile": {"name": "V", "links": [{"label": "x", "url": "javascript:alert(1)"}]}},
            "profile.links.0.url",
        ),
        ({"profile": {"name": "V", "nickname": "v"}}, "profile.nickname: Extra inputs"),
        (
            {"projects": [{"slug": "p", "title": "A"}, {"slug": "p", "title": "B"}]},
            "duplicate project slugs: p",
        ),
        ({"projects": [{"slug": "p", "title": "A", "technologies": ["COBOL"]}]}, "unknown technologies"),
        ({"profile": {"name": "V", "photo": "missing.png"}}, "file not found: missing.png"),
        ([1, 2], "expected a mapping"),
    ],
)
def test_invalid_files_fail_with_a_clear_error_and_change_nothing(
    tmp_path: Path, data: object, message: str
) -> None:
    path = write(tmp_path / "bad.yaml", data)
    with pytest.raises(CommandError, match=message.replace(".", r"\.")):
        seed("--file", str(path))
    assert counts() == (0, 0, 0, 0, 0)


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        seed("--file", str(tmp_path / "nope.yaml"))
    (tmp_path / "broken.yaml").write_text("profile: [unclosed\n")
    with pytest.raises(CommandError, match="not valid YAML"):
        seed("--file", str(tmp_path / "broken.yaml"))


def test_seed_dev_runs_seed_content() -> None:
    call_command("seed_dev", stdout=io.StringIO())
    assert Profile.objects.get().name == "Vasu Kapoor" and Project.objects.count() == 3
