"""Polled statuses (the admin's refresh) never move a job backwards."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from documents.models import ProcessingJob
from documents.services import apply_job_status, record_submitted_job
from documents.tests.helpers import send
from portfolio_shared.schemas import ProcessingJob as JobStatus

pytestmark = pytest.mark.django_db


def status(state: str, progress: int, **extra: object) -> JobStatus:
    return JobStatus.model_validate(
        {"id": "job-1", "state": state, "progress": progress, "source": "pdf", **extra}
    )


def test_progress_moves_forward_only() -> None:
    record_submitted_job(job_id="job-1", source_type="pdf", source_name="cv.pdf")
    apply_job_status(job_id="job-1", status=status("running", 60))
    job = apply_job_status(job_id="job-1", status=status("running", 30))  # an earlier answer, received late
    assert (job.state, job.progress) == ("running", 60)
    assert job.checked_at is not None


def test_a_running_answer_after_the_webhook_does_not_reopen_the_job(api: APIClient) -> None:
    record_submitted_job(job_id="job-1", source_type="pdf", source_name="cv.pdf")
    send(api, event_id="evt-1", source_type="pdf")
    job = apply_job_status(job_id="job-1", status=status("running", 80))
    assert (job.state, job.progress) == ("succeeded", 100)
    assert job.result["chunks"] == 3


def test_a_finished_answer_records_the_outcome() -> None:
    record_submitted_job(job_id="job-1", source_type="pdf")
    result = {"document_id": "doc-9", "pages": 4, "chunks": 9, "characters": 5000, "summary": "S"}
    job = apply_job_status(job_id="job-1", status=status("succeeded", 100, result=result))
    assert (job.state, job.progress, job.result) == ("succeeded", 100, result)
    failed = apply_job_status(
        job_id="job-1", status=status("failed", 40, error={"code": "too_many_pages", "message": "x"})
    )
    assert (failed.state, failed.error["code"]) == ("failed", "too_many_pages")


def test_submitting_after_the_webhook_arrived_keeps_its_outcome(api: APIClient, django_user_model) -> None:  # type: ignore[no-untyped-def]
    user = django_user_model.objects.create_user("owner", is_staff=True)
    send(api, event_id="evt-1", source_type="pdf")  # a fast processor: the webhook beat the 202
    job = record_submitted_job(
        job_id="job-1",
        source_type="pdf",
        source_name="cv.pdf",
        status_url="/process/status/job-1",
        requested_by=user,
    )
    assert ProcessingJob.objects.count() == 1
    assert (job.state, job.source_name, job.requested_by) == ("succeeded", "cv.pdf", user)
