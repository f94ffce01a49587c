"""The document.processed webhook keeps the Document and ProcessingJob mirrors (real Postgres)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from pydantic import ValidationError
from rest_framework.test import APIClient

from documents.models import Document, ProcessingJob
from documents.tests.helpers import T0, deliver, event_body, later, processed, raw_body, send
from portfolio_shared.schemas import MAX_URL_LENGTH, PdfUrlRequest, TextForIndexing
from webhooks.models import WebhookReceipt

pytestmark = pytest.mark.django_db


def test_a_signed_webhook_creates_both_mirrors(api: APIClient) -> None:
    response = send(api, event_id="evt-1")
    assert response.status_code == 200, response.content
    assert response.json()["duplicate"] is False

    document = Document.objects.get(document_key="project:alpha")
    assert (document.document_id, document.state, document.title) == ("doc-1", "succeeded", "Alpha")
    assert (document.pages, document.chunks, document.characters) == (1, 3, 1200)
    assert document.summary == "Alpha in brief."
    assert document.content_sha256 == "a" * 64
    assert document.last_job_id == "job-1"
    assert document.last_processed_at == T0

    job = ProcessingJob.objects.get(job_id="job-1")
    assert (job.state, job.progress, job.source_type, job.document_key) == (
        "succeeded",
        100,
        "text",
        "project:alpha",
    )
    assert job.result == {
        "document_id": "doc-1",
        "pages": 1,
        "chunks": 3,
        "characters": 1200,
        "summary": "Alpha in brief.",
    }
    assert job.error is None


def test_a_later_job_of_the_same_document_updates_it(api: APIClient) -> None:
    send(api, event_id="evt-1")
    response = send(
        api, event_id="evt-2", at=later(5), job_id="job-2", chunks=7, summary="New.", content_sha256="b" * 64
    )
    assert response.status_code == 200
    document = Document.objects.get()
    assert (document.chunks, document.summary, document.content_sha256) == (7, "New.", "b" * 64)
    assert document.last_job_id == "job-2"
    assert ProcessingJob.objects.count() == 2


def test_a_replayed_webhook_id_is_acknowledged_and_not_acted_on(api: APIClient) -> None:
    body = event_body(processed(), event_id="evt-1")
    assert deliver(api, body, event_id="evt-1").status_code == 200
    # Someone else's later change to the row: acting on the replay again would overwrite it.
    Document.objects.update(chunks=99)

    replay = deliver(api, body, event_id="evt-1")
    assert replay.status_code == 200
    assert replay.json()["duplicate"] is True
    assert Document.objects.get().chunks == 99
    assert WebhookReceipt.objects.filter(webhook_id="evt-1").count() == 1


def test_an_older_event_delivered_late_does_not_regress_the_document(api: APIClient) -> None:
    newer = send(api, event_id="evt-b", at=later(10), job_id="job-b", chunks=8, content_sha256="b" * 64)
    older = send(api, event_id="evt-a", at=later(1), job_id="job-a", chunks=2, content_sha256="c" * 64)
    assert newer.status_code == older.status_code == 200

    document = Document.objects.get()
    assert (document.chunks, document.content_sha256, document.last_job_id) == (8, "b" * 64, "job-b")
    assert document.last_processed_at == later(10)
    # The older job itself is still recorded with its own outcome.
    assert ProcessingJob.objects.get(job_id="job-a").result["chunks"] == 2


def test_a_failure_keeps_the_content_of_the_last_success(api: APIClient) -> None:
    send(api, event_id="evt-1")
    failed = processed(
        job_id="job-2",
        state="failed",
        document_id=None,
        chunks=0,
        pages=0,
        characters=0,
        summary=None,
        content_sha256=None,
        error={"code": "extract_failed", "message": "no text"},
    )
    assert (
        deliver(api, event_body(failed, event_id="evt-2", at=later(3)), event_id="evt-2").status_code == 200
    )

    document = Document.objects.get()
    assert document.state == "failed"
    assert document.error == {"code": "extract_failed", "message": "no text"}
    assert (document.document_id, document.chunks, document.summary) == ("doc-1", 3, "Alpha in brief.")
    job = ProcessingJob.objects.get(job_id="job-2")
    assert (job.state, job.error["code"], job.result) == ("failed", "extract_failed", None)


def test_a_first_failure_creates_a_failed_document(api: APIClient) -> None:
    failed = processed(
        document_key="pdf:broken",
        document_id=None,
        state="failed",
        source_type="pdf",
        chunks=0,
        source_url="http://127.0.0.1:9/broken.pdf",
        content_sha256=None,
        error={"code": "fetch_failed", "message": "404"},
    )
    assert deliver(api, event_body(failed, event_id="evt-f"), event_id="evt-f").status_code == 200
    document = Document.objects.get(document_key="pdf:broken")
    assert (document.state, document.document_id, document.source_type) == ("failed", "", "pdf")
    assert document.error["code"] == "fetch_failed"


def test_an_event_dated_in_the_future_does_not_freeze_the_mirror(api: APIClient) -> None:
    future = timezone.now().replace(year=timezone.now().year + 5)
    send(api, event_id="evt-skewed", at=future, chunks=1)
    assert Document.objects.get().last_processed_at <= timezone.now()
    # A real later event (its clock is right) still applies.
    send(api, event_id="evt-next", at=timezone.now(), job_id="job-2", chunks=5)
    assert Document.objects.get().chunks == 5


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, headers: (body + b" ", headers),
        lambda body, headers: (body, {**headers, "webhook-signature": "v1,bm90IGEgc2lnbmF0dXJl"}),
        lambda body, headers: (body, {k: v for k, v in headers.items() if k != "webhook-signature"}),
    ],
)
def test_a_tampered_webhook_gets_401_and_changes_nothing(api: APIClient, tamper) -> None:  # type: ignore[no-untyped-def]
    from documents.tests.helpers import SECRET, URL
    from portfolio_shared.webhooks import sign_headers

    body = event_body(processed(), event_id="evt-1")
    sent, headers = tamper(body, sign_headers([SECRET], body, msg_id="evt-1"))
    response = api.generic("POST", URL, sent, content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"].startswith("webhook_")
    assert not Document.objects.exists()
    assert not ProcessingJob.objects.exists()


def test_a_webhook_signed_with_another_senders_secret_is_refused(api: APIClient) -> None:
    body = event_body(processed(), event_id="evt-1")
    response = deliver(api, body, event_id="evt-1", secret="test-secret-new")  # the scraper's test secret
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "webhook_invalid_signature"


@pytest.mark.parametrize(
    "data",
    [
        processed(document_id=None),  # succeeded without its document
        processed(state="failed"),  # failed without its error
        processed(document_key=""),
        processed(chunks=-1),
        processed(unexpected="field"),
        {"job_id": "job-1"},
    ],
)
def test_a_payload_that_does_not_validate_gets_422_and_records_nothing(api: APIClient, data) -> None:  # type: ignore[no-untyped-def]
    response = deliver(api, raw_body(data, event_id="evt-bad"), event_id="evt-bad")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_webhook_payload"
    assert error["details"]["errors"]
    assert not WebhookReceipt.objects.filter(webhook_id="evt-bad").exists()
    assert not Document.objects.exists()


def longest_url() -> str:
    return "https://example.org/" + "a" * (MAX_URL_LENGTH - len("https://example.org/"))


def test_the_document_processor_accepts_urls_up_to_the_one_shared_limit() -> None:
    body = {"document_key": "k", "title": "t", "text": "x"}
    TextForIndexing.model_validate({**body, "source_url": longest_url()})
    PdfUrlRequest.model_validate({"url": longest_url()})
    with pytest.raises(ValidationError):
        TextForIndexing.model_validate({**body, "source_url": longest_url() + "a"})


def test_a_webhook_with_the_longest_accepted_source_url_updates_the_mirrors(api: APIClient) -> None:
    url = longest_url()
    response = send(api, event_id="evt-long-url", source_url=url)
    assert response.status_code == 200, response.content
    assert Document.objects.get(document_key="project:alpha").source_url == url
    assert ProcessingJob.objects.get(job_id="job-1").source_url == url
