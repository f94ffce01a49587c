"""The owner's admin against a stand-in document processor.

The stand-in (core_lib.testing.StandIn, a real local HTTP server) answers in DESIGN.md's shapes: the
real processor's endpoints do not exist yet (issue 5), so core's admin is tested against a fake of
that upstream; once they exist, a cross-service test should replace it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core_lib.testing import Received, Reply, StandIn, closed_port_url
from documents.models import Document, ProcessingJob
from portfolio_shared.auth import dev_signing_key, verify_token

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
UPLOAD_URL = "admin:documents_processingjob_upload_pdf"
GITHUB_URL = "admin:documents_processingjob_process_github"


class FakeProcessor:
    """The document processor's answers, per DESIGN.md; ``status`` is what the next poll reports."""

    def __init__(self) -> None:
        self.status: dict[str, object] = {"id": "job-42", "state": "queued", "progress": 0, "source": "pdf"}
        self.submit_reply = Reply(202, {"job_id": "job-42", "status_url": "/process/status/job-42"})

    def __call__(self, request: Received) -> Reply:
        if request.method == "POST" and request.path in {"/process/pdf", "/process/github"}:
            return self.submit_reply
        if request.method == "GET" and request.path == "/process/status/job-42":
            return Reply(200, self.status)
        return Reply(404, {"error": {"code": "not_found", "message": "no such job", "details": {}}})


@pytest.fixture
def fake() -> FakeProcessor:
    return FakeProcessor()


@pytest.fixture
def processor(fake: FakeProcessor, settings) -> Iterator[StandIn]:  # type: ignore[no-untyped-def]
    with StandIn(fake) as server:
        settings.DOCUMENTS_URL = server.url
        yield server


@pytest.fixture
def owner(client: Client, django_user_model):  # type: ignore[no-untyped-def]
    user = django_user_model.objects.create_superuser("owner", "owner@example.org", "pw")
    client.force_login(user)
    return user


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]] if response.context else []


def upload(client: Client, content: bytes = PDF, **fields: str):  # type: ignore[no-untyped-def]
    file = SimpleUploadedFile("cv.pdf", content, content_type="application/pdf")
    return client.post(reverse(UPLOAD_URL), {"file": file, **fields}, follow=True)


def test_a_pdf_upload_reaches_the_processor_and_creates_the_job(client, owner, processor, fake) -> None:  # type: ignore[no-untyped-def]
    response = upload(client, title="My CV", document_key="cv:2026")
    assert response.status_code == 200

    job = ProcessingJob.objects.get(job_id="job-42")
    assert (job.source_type, job.source_name, job.document_key) == ("pdf", "cv.pdf", "cv:2026")
    assert (job.state, job.status_url, job.requested_by) == ("queued", "/process/status/job-42", owner)
    assert response.redirect_chain[-1][0] == reverse("admin:documents_processingjob_change", args=[job.pk])
    assert any("job-42" in m for m in messages_of(response))

    (sent,) = processor.requests
    assert (sent.method, sent.path) == ("POST", "/process/pdf")
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert PDF in sent.body and b'name="file"; filename="cv.pdf"' in sent.body
    assert b"cv:2026" in sent.body and b"My CV" in sent.body
    assert sent.headers["idempotency-key"]
    token = sent.headers["authorization"].removeprefix("Bearer ")
    assert (
        verify_token(token, audience="documents", keys={"core": [dev_signing_key("core").public()]}).caller
        == "core"
    )


def test_the_job_page_shows_progress_and_refreshes_it_from_the_processor(
    client: Client, owner: object, processor: StandIn, fake: FakeProcessor
) -> None:
    upload(client)
    job = ProcessingJob.objects.get()
    change_url = reverse("admin:documents_processingjob_change", args=[job.pk])
    refresh_url = reverse("admin:documents_processingjob_refresh", args=[job.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    assert refresh_url in page.content.decode()

    fake.status = {"id": "job-42", "state": "running", "progress": 40, "source": "pdf"}
    response = client.post(refresh_url, follow=True)
    job.refresh_from_db()
    assert (job.state, job.progress) == ("running", 40)
    assert 'value="40"' in response.content.decode()

    fake.status = {
        "id": "job-42",
        "state": "succeeded",
        "progress": 100,
        "source": "pdf",
        "result": {"document_id": "doc-7", "pages": 2, "chunks": 5, "characters": 900, "summary": "A CV."},
    }
    response = client.post(refresh_url, follow=True)
    job.refresh_from_db()
    assert (job.state, job.progress, job.result["chunks"]) == ("succeeded", 100, 5)
    assert "A CV." in response.content.decode()
    assert processor.paths().count("/process/status/job-42") == 2


def test_refresh_needs_a_post(client, owner, processor) -> None:  # type: ignore[no-untyped-def]
    upload(client)
    job = ProcessingJob.objects.get()
    assert client.get(reverse("admin:documents_processingjob_refresh", args=[job.pk])).status_code == 405


def test_the_bulk_action_refreshes_the_selected_jobs(client, owner, processor, fake) -> None:  # type: ignore[no-untyped-def]
    upload(client)
    job = ProcessingJob.objects.get()
    fake.status = {"id": "job-42", "state": "running", "progress": 70, "source": "pdf"}
    response = client.post(
        reverse("admin:documents_processingjob_changelist"),
        {"action": "refresh_selected", "_selected_action": [job.pk]},
        follow=True,
    )
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.progress == 70


def test_a_repository_readme_is_sent_to_the_processor(client, owner, processor, fake) -> None:  # type: ignore[no-untyped-def]
    response = client.post(reverse(GITHUB_URL), {"repo": "octo/hello-world"}, follow=True)
    assert response.status_code == 200
    job = ProcessingJob.objects.get()
    assert (job.source_type, job.source_name) == ("github", "octo/hello-world")
    (sent,) = processor.requests
    assert (sent.path, sent.json()["repo"]) == ("/process/github", "octo/hello-world")


def test_an_invalid_form_sends_nothing(client, owner, processor) -> None:  # type: ignore[no-untyped-def]
    not_pdf = upload(client, content=b"<html>not a pdf</html>")
    bad_repo = client.post(reverse(GITHUB_URL), {"repo": "not a repo"})
    assert not_pdf.status_code == bad_repo.status_code == 200
    assert "not a PDF" in not_pdf.content.decode()
    assert "owner/name" in bad_repo.content.decode()
    assert processor.requests == []
    assert not ProcessingJob.objects.exists()


def test_a_processor_that_is_down_is_a_message_not_a_500(client, owner, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOCUMENTS_URL = closed_port_url()
    response = upload(client)
    assert response.status_code == 200
    assert any("unavailable" in m for m in messages_of(response))
    assert not ProcessingJob.objects.exists()

    github = client.post(reverse(GITHUB_URL), {"repo": "octo/hello-world"}, follow=True)
    assert github.status_code == 200
    assert any("unavailable" in m for m in messages_of(github))


def test_refreshing_while_the_processor_is_down_keeps_the_job(client, owner, processor, settings) -> None:  # type: ignore[no-untyped-def]
    upload(client)
    job = ProcessingJob.objects.get()
    settings.DOCUMENTS_URL = closed_port_url()
    response = client.post(reverse("admin:documents_processingjob_refresh", args=[job.pk]), follow=True)
    assert response.status_code == 200
    assert any("unavailable" in m for m in messages_of(response))
    job.refresh_from_db()
    assert (job.state, job.checked_at) == ("queued", None)


def test_a_refusal_of_the_processor_is_shown_with_its_code(client, owner, processor, fake) -> None:  # type: ignore[no-untyped-def]
    fake.submit_reply = Reply(
        413, {"error": {"code": "payload_too_large", "message": "over 50 MB", "details": {}}}
    )
    response = upload(client)
    assert any("payload_too_large" in m and "over 50 MB" in m for m in messages_of(response))
    assert not ProcessingJob.objects.exists()


def test_content_already_stored_links_to_its_document(client, owner, processor, fake) -> None:  # type: ignore[no-untyped-def]
    fake.submit_reply = Reply(
        200,
        {"document_id": "doc-3", "document_key": "pdf:cv", "source_type": "pdf", "title": "CV", "chunks": 4},
    )
    response = upload(client)
    document = Document.objects.get(document_key="pdf:cv")
    assert (document.document_id, document.chunks, document.state) == ("doc-3", 4, "succeeded")
    assert response.redirect_chain[-1][0] == reverse("admin:documents_document_change", args=[document.pk])
    assert not ProcessingJob.objects.exists()


def test_the_mirrors_are_read_only_and_searchable(client, owner) -> None:  # type: ignore[no-untyped-def]
    Document.objects.create(
        document_key="project:alpha", title="Alpha", source_type="text", state="succeeded"
    )
    Document.objects.create(document_key="project:beta", title="Beta", source_type="text", state="failed")
    changelist = client.get(reverse("admin:documents_document_changelist"), {"q": "alpha"})
    assert changelist.status_code == 200
    assert "project:alpha" in changelist.content.decode()
    assert "project:beta" not in changelist.content.decode()
    filtered = client.get(reverse("admin:documents_document_changelist"), {"state__exact": "failed"})
    assert "project:beta" in filtered.content.decode() and "project:alpha" not in filtered.content.decode()
    assert client.get(reverse("admin:documents_document_add")).status_code == 403
    assert client.get(reverse("admin:documents_processingjob_add")).status_code == 403
    jobs = client.get(reverse("admin:documents_processingjob_changelist"))
    assert reverse(UPLOAD_URL) in jobs.content.decode()
    assert reverse(GITHUB_URL) in jobs.content.decode()


def test_staff_without_the_add_permission_cannot_send_work(client, django_user_model, processor) -> None:  # type: ignore[no-untyped-def]
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_processingjob"))
    client.force_login(viewer)
    assert client.get(reverse(UPLOAD_URL)).status_code == 403
    page = client.get(reverse("admin:documents_processingjob_changelist")).content.decode()
    assert not re.search(re.escape(reverse(UPLOAD_URL)), page)
    assert processor.requests == []
