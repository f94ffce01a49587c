"""The owner's admin: one profile only, and its saves and bulk deletions reach the outbox once."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from content.models import JourneyEntry, Profile, Project, TechStack
from content.tests.support import clear_outbox, make_entry, make_profile, make_project, make_tech, outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client: Client) -> Client:
    user = get_user_model().objects.create_superuser("owner", "owner@example.test", "pw")
    client.force_login(user)
    return client


def test_every_content_admin_page_renders(owner: Client) -> None:
    make_profile()
    tech = make_tech("PyTorch")
    entry = make_entry("Engineer")
    project = make_project("p", technologies=(tech,))
    pages = ((Profile, Profile.objects.get()), (TechStack, tech), (JourneyEntry, entry), (Project, project))
    for model, obj in pages:
        name = model._meta.model_name
        assert owner.get(reverse(f"admin:content_{name}_changelist"), {"q": "a"}).status_code == 200
        assert owner.get(reverse(f"admin:content_{name}_change", args=[obj.pk])).status_code == 200
    records = owner.get(reverse("admin:content_indexrecord_changelist")).content.decode()
    assert "project:p" in records  # what was last sent to the chatbot's index, read-only
    assert owner.get(reverse("admin:content_indexrecord_add")).status_code == 403
    page = owner.get(reverse("admin:content_project_add")).content.decode()
    assert 'class="selectfilter"' in page  # technologies use the filter_horizontal widget
    assert "&quot;dependency_ids&quot;: [&quot;#id_title&quot;]" in page  # slug prepopulated from the title


def test_a_second_profile_cannot_be_added(owner: Client) -> None:
    add = reverse("admin:content_profile_add")
    assert owner.get(add).status_code == 200  # none yet: adding is allowed
    make_profile()
    assert owner.get(add).status_code == 403
    with pytest.raises(ValidationError, match="already a profile"):
        Profile(name="Someone else").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.create(name="Someone else")  # the database refuses it too


def test_adding_a_project_with_technologies_enqueues_one_complete_message(owner: Client) -> None:
    torch, jax = make_tech("PyTorch"), make_tech("JAX")
    clear_outbox()
    response = owner.post(
        reverse("admin:content_project_add"),
        {
            "title": "Grounded RAG",
            "slug": "grounded-rag",
            "summary": "Cites every sentence.",
            "order": 0,
            "body": "## Body",
            "technologies": [torch.pk, jax.pk],
            "repository_url": "",
            "demo_url": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    # The row is saved before its technologies; both syncs run in the admin's transaction and
    # collapse into one message that names the technologies.
    [message] = outbox()
    assert message["payload"]["document_key"] == "project:grounded-rag"
    assert message["payload"]["metadata"]["technologies"] == "JAX, PyTorch"


def test_bulk_delete_in_the_admin_deletes_every_document(owner: Client) -> None:
    projects = [make_project(slug) for slug in ("a", "b", "c")]
    clear_outbox()
    response = owner.post(
        reverse("admin:content_project_changelist"),
        {"action": "delete_selected", "_selected_action": [p.pk for p in projects[:2]], "post": "yes"},
    )
    assert response.status_code == 302
    assert Project.objects.count() == 1
    assert sorted(m["path"] for m in outbox()) == ["/documents/project%3Aa", "/documents/project%3Ab"]


def test_list_editable_changes_reach_the_index(owner: Client) -> None:
    project = make_project("p")
    clear_outbox()
    data: dict[str, Any] = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(project.pk),
        "form-0-featured": "on",
        "form-0-order": "3",
        "_save": "Save",
    }
    response = owner.post(reverse("admin:content_project_changelist"), data)
    assert response.status_code == 302
    [message] = outbox()
    assert message["payload"]["metadata"]["featured"] is True


@pytest.mark.parametrize(
    ("name", "content", "accepted"),
    [
        ("cv.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n", True),
        ("cv.pdf", b"<html><script>alert(document.cookie)</script></html>", False),  # the name lies
        ("cv.html", b"%PDF-1.7\n%%EOF\n", False),
        ("cv.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", False),
    ],
)
def test_the_cv_upload_accepts_pdfs_only(owner: Client, name: str, content: bytes, accepted: bool) -> None:
    profile = make_profile()
    response = owner.post(
        reverse("admin:content_profile_change", args=[profile.pk]),
        {"name": profile.name, "links": "[]", "cv": SimpleUploadedFile(name, content)},
    )
    profile.refresh_from_db()
    if accepted:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert profile.cv.name.endswith(".pdf")
        assert profile.cv.read() == content
    else:
        assert response.status_code == 200  # the form again, with the error
        assert "The CV must be a PDF" in response.content.decode()
        assert not profile.cv
