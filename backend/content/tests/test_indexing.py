"""Every content save and deletion leaves the right message in core's outbox, in the same transaction."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from content import indexing
from content.index_documents import github_repo
from content.models import IndexRecord, JourneyEntry, Profile, Project, TechStack
from content.tests.support import clear_outbox, make_entry, make_profile, make_project, make_tech, outbox
from portfolio_shared.schemas import GithubRequest, TextForIndexing

pytestmark = pytest.mark.django_db


def by_key(messages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    keyed = {}
    for m in messages:
        key = (m["payload"] or {}).get("document_key") or m["path"]  # a DELETE has no body (null)
        assert key not in keyed, f"two pending messages for {key}"
        keyed[key] = m
    return keyed


def test_a_project_save_enqueues_its_text_and_its_github_readme() -> None:
    torch = make_tech("PyTorch")
    clear_outbox()
    make_project(
        "rag",
        title="RAG assistant",
        summary="Answers with citations.",
        body="## How\n\nHybrid search.",
        repository_url="https://github.com/someone/rag-assistant",
        demo_url="https://demo.test/rag",
        featured=True,
        technologies=(torch,),
    )

    messages = by_key(outbox())
    assert set(messages) == {"project:rag", "project:rag:readme"}
    text = messages["project:rag"]
    assert (text["method"], text["path"], text["destination"], text["kind"]) == (
        "POST",
        "/process/text",
        "documents",
        "rest",
    )
    doc = TextForIndexing.model_validate(text["payload"])  # the document processor's own schema
    assert doc.title == "RAG assistant" and doc.format == "markdown"
    assert doc.source_url == "https://portfolio.test/projects/rag"
    assert "Answers with citations." in doc.text and "Technologies: PyTorch" in doc.text
    assert "## How\n\nHybrid search." in doc.text  # the Markdown source, not the HTML
    assert doc.metadata == {"kind": "project", "slug": "rag", "featured": True, "technologies": "PyTorch"}
    readme = messages["project:rag:readme"]
    assert (readme["method"], readme["path"]) == ("POST", "/process/github")
    github = GithubRequest.model_validate(readme["payload"])
    assert github.repo == "https://github.com/someone/rag-assistant"
    assert github.document_key == "project:rag:readme"


def test_saving_without_changes_enqueues_nothing() -> None:
    project = make_project("p", repository_url="https://github.com/a/b")
    entry = make_entry("Engineer")
    profile = make_profile()
    make_tech("Docker", "Infrastructure")
    clear_outbox()

    for instance in (project, entry, profile, TechStack.objects.get()):
        instance.save()
    project.technologies.set([])
    assert outbox() == []

    project.title = "New title"
    project.save()
    [message] = outbox()
    assert message["payload"]["document_key"] == "project:p" and message["payload"]["title"] == "New title"


def test_profile_journey_and_tech_stack_documents() -> None:
    make_profile(location="Bengaluru", links=[{"label": "GitHub", "url": "https://github.com/x"}])
    entry = make_entry(
        "ML Engineer", organisation="Quillpath", start=date(2019, 7, 1), description="Ranking."
    )
    make_tech("PyTorch", proficiency=90)
    make_tech("Docker", "Infrastructure", proficiency=70)

    messages = by_key(outbox())
    assert set(messages) == {"profile", f"journey:{entry.pk}", "tech-stack"}
    profile = TextForIndexing.model_validate(messages["profile"]["payload"])
    assert profile.source_url == "https://portfolio.test/about" and profile.metadata["kind"] == "profile"
    assert "Location: Bengaluru" in profile.text and "- [GitHub](https://github.com/x)" in profile.text
    journey = TextForIndexing.model_validate(messages[f"journey:{entry.pk}"]["payload"])
    assert journey.title == "ML Engineer — Quillpath" and "July 2019 to present" in journey.text
    assert journey.metadata == {
        "kind": "journey",
        "entry_kind": "work",
        "start": "2019-07-01",
        "current": True,
        "organisation": "Quillpath",
    }
    stack = TextForIndexing.model_validate(messages["tech-stack"]["payload"])
    assert "## Infrastructure\n\n- Docker (proficiency 70/100)" in stack.text
    assert "## ML & AI\n\n- PyTorch (proficiency 90/100)" in stack.text
    assert stack.metadata == {"kind": "tech_stack", "technologies": 2}


def test_deletions_enqueue_delete_with_the_key_as_one_path_segment() -> None:
    project = make_project("rag", repository_url="https://github.com/a/rag")
    entry = make_entry("Engineer")
    profile = make_profile()
    tech = make_tech("Docker")
    clear_outbox()

    project.delete()
    entry_id = entry.pk
    entry.delete()
    profile.delete()
    tech.delete()

    paths = sorted(m["path"] for m in outbox() if m["method"] == "DELETE")
    assert paths == sorted(
        [
            "/documents/project%3Arag",
            "/documents/project%3Arag%3Areadme",
            f"/documents/journey%3A{entry_id}",
            "/documents/profile",
            "/documents/tech-stack",
        ]
    )
    assert all(m["payload"] is None for m in outbox())  # no body: stored as JSON null
    assert IndexRecord.objects.count() == 0


def test_a_slug_change_deletes_the_old_keys_and_sends_the_new_ones() -> None:
    project = make_project("old-name", repository_url="https://github.com/a/repo")
    clear_outbox()
    project.slug = "new-name"
    project.save()

    messages = outbox()
    deletes = {m["path"] for m in messages if m["method"] == "DELETE"}
    assert deletes == {"/documents/project%3Aold-name", "/documents/project%3Aold-name%3Areadme"}
    posted = {m["payload"]["document_key"] for m in messages if m["method"] == "POST"}
    assert posted == {"project:new-name", "project:new-name:readme"}
    # Deletions go first, so the new documents never race their own removal.
    assert messages[0]["method"] == "DELETE" and messages[1]["method"] == "DELETE"


def test_removing_the_repository_deletes_the_readme_only() -> None:
    project = make_project("p", repository_url="https://github.com/a/repo")
    clear_outbox()
    project.repository_url = "https://gitlab.test/a/repo"
    project.save()
    messages = by_key(outbox())
    assert set(messages) == {"/documents/project%3Ap%3Areadme", "project:p"}


def test_renaming_a_technology_reaches_the_stack_and_its_projects_only() -> None:
    torch = make_tech("Torch")
    make_project("uses-it", technologies=(torch,))
    make_project("does-not")
    clear_outbox()

    torch.name = "PyTorch"
    torch.save()
    messages = by_key(outbox())
    assert set(messages) == {"tech-stack", "project:uses-it"}
    assert messages["project:uses-it"]["payload"]["metadata"]["technologies"] == "PyTorch"

    clear_outbox()
    torch.delete()
    messages = by_key(outbox())
    assert set(messages) == {"/documents/tech-stack", "project:uses-it"}
    assert "technologies" not in messages["project:uses-it"]["payload"]["metadata"]


def test_reverse_m2m_changes_reach_the_projects() -> None:
    tech = make_tech("JAX")
    project = make_project("p")
    clear_outbox()
    tech.projects.add(project)
    [message] = outbox()
    assert message["payload"]["metadata"]["technologies"] == "JAX"
    clear_outbox()
    tech.projects.clear()
    [message] = outbox()
    assert "technologies" not in message["payload"]["metadata"]


def test_one_pending_message_per_key_the_latest_content_wins() -> None:
    project = make_project("p")
    for title in ("Second", "Third"):
        project.title = title
        project.save()
    [message] = outbox()
    assert message["payload"]["title"] == "Third"

    project.delete()
    [message] = outbox()  # the deletion supersedes the unsent text
    assert message["method"] == "DELETE" and message["path"] == "/documents/project%3Ap"


def test_a_message_a_dispatcher_holds_is_not_superseded() -> None:
    project = make_project("p")
    with connection.cursor() as cur:  # what a dispatcher's claim leaves on the row
        cur.execute("UPDATE outbox_message SET attempts = 1, locked_by = 'd-1'")
    project.title = "Changed"
    project.save()
    titles = [m["payload"]["title"] for m in outbox()]
    assert titles == ["P", "Changed"]


def test_a_rolled_back_save_leaves_no_message() -> None:
    clear_outbox()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_project("ghost")
        raise RuntimeError("abort")
    assert outbox() == [] and not IndexRecord.objects.exists()


def test_reindex_all_repairs_writes_that_bypassed_signals() -> None:
    project = make_project("p")
    entry = make_entry("Engineer")
    clear_outbox()
    Project.objects.filter(pk=project.pk).update(title="Changed quietly")  # no signal
    JourneyEntry.objects.filter(pk=entry.pk)._raw_delete(connection.alias)  # no signal either
    assert outbox() == []

    result = indexing.reindex_all()
    assert result.sent == ["project:p"] and result.deleted == [f"journey:{entry.pk}"]
    assert indexing.reindex_all().sent == []  # a second run finds nothing to do
    assert len(indexing.reindex_all(force=True).sent) == 1


def test_reindex_content_command() -> None:
    make_project("p", body="Old")
    clear_outbox()
    out = io.StringIO()
    call_command("reindex_content", stdout=out)
    assert "0 sent" in out.getvalue() and outbox() == []
    call_command("reindex_content", "--force", stdout=out)
    assert [m["payload"]["document_key"] for m in outbox()] == ["project:p"]
    Project.objects.update(body_html="<p>stale renderer</p>")
    call_command("reindex_content", "--rerender", stdout=out)
    assert Project.objects.get().body_html == "<p>Old</p>\n"


def test_profile_without_changes_after_seed_like_reload() -> None:
    profile = make_profile()
    clear_outbox()
    Profile.objects.get(pk=profile.pk).save()
    assert outbox() == []


@pytest.mark.parametrize(
    ("url", "repo"),
    [
        ("https://github.com/owner/name", "owner/name"),
        ("https://www.github.com/owner/name.git", "owner/name"),
        ("https://github.com/owner/name/tree/main/docs", "owner/name"),
        ("https://github.com/owner", None),
        ("https://gitlab.com/owner/name", None),
        ("https://github.com.evil.test/owner/name", None),
        ("ftp://github.com/owner/name", None),
    ],
)
def test_github_repository_urls(url: str, repo: str | None) -> None:
    assert github_repo(url) == repo


def test_the_cv_is_sent_by_url_under_core_public_url_replaced_when_it_changes_and_deleted(
    settings: Any,
) -> None:
    from django.core.files.base import ContentFile

    from portfolio_shared.schemas import PdfUrlRequest

    settings.CORE_PUBLIC_URL = "https://core.portfolio.test"
    profile = make_profile()
    clear_outbox()
    profile.cv.save("cv.pdf", ContentFile(b"%PDF-1.4 first"), save=True)
    cv = by_key(outbox())["cv"]
    assert (cv["method"], cv["path"], cv["destination"], cv["kind"]) == (
        "POST",
        "/process/pdf",
        "documents",
        "rest",
    )
    body = PdfUrlRequest.model_validate(cv["payload"])  # the processor's own schema: JSON, a URL to fetch
    assert body.url == f"https://core.portfolio.test{profile.cv.url}" and body.url.endswith(".pdf")
    assert body.document_key == "cv" and body.title == f"{profile.name} — CV"
    assert body.metadata["kind"] == "cv"

    # Saved again unchanged: nothing. A new file (even under the same name): sent again, replacing it.
    clear_outbox()
    profile.save()
    assert outbox() == []
    name = profile.cv.name
    profile.cv.storage.delete(name)
    profile.cv.storage.save(name, ContentFile(b"%PDF-1.4 second"))
    profile.save()
    [again] = outbox()
    assert again["payload"]["url"] == body.url
    assert again["payload"]["metadata"]["file_sha256"] != body.metadata["file_sha256"]

    # Removed: the document is deleted from the index.
    clear_outbox()
    profile.cv = ""
    profile.save()
    [gone] = outbox()
    assert (gone["method"], gone["path"]) == ("DELETE", "/documents/cv")


def test_a_cv_whose_file_is_missing_does_not_stop_the_profile_from_being_saved() -> None:
    # The field names a file the media storage no longer holds (a volume not restored): core could
    # not serve it to the processor either. Saving the profile must not fail on it.
    profile = make_profile()
    profile.cv.name = "profile/missing-cv.pdf"
    profile.save()
    clear_outbox()
    profile.name = "Renamed Owner"
    profile.save()
    sent = by_key(outbox())
    assert "Renamed Owner" in sent["profile"]["payload"]["title"]
