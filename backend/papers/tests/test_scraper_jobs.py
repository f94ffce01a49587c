"""The ScrapeJob mirror, kept by signed scraper.job.completed webhooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from papers.models import ScrapeJob
from portfolio_shared.webhooks import sign_headers
from webhooks.models import WebhookReceipt

pytestmark = pytest.mark.django_db
URL = "/api/webhooks/scraper-complete/"


def event(msg_id: str, **data: Any) -> bytes:
    body = {
        "job_id": "job-1",
        "source": "all",
        "state": "succeeded",
        "started_at": "2026-11-29T02:00:00Z",
        "finished_at": "2026-11-29T02:05:00Z",
        "counts": {"fetched": 10, "new": 4, "updated": 3, "skipped": 3, "failed": 0},
        "errors": [],
        **data,
    }
    return json.dumps(
        {"type": "scraper.job.completed", "id": msg_id, "created_at": "2026-11-29T02:05:01Z", "data": body}
    ).encode()


def deliver(api: APIClient, body: bytes, msg_id: str) -> Any:
    headers = sign_headers(["test-secret-new"], body, msg_id=msg_id)
    return api.generic("POST", URL, body, content_type="application/json", headers=headers)


def test_a_signed_webhook_creates_the_mirror(api: APIClient) -> None:
    response = deliver(api, event("msg_1"), "msg_1")
    assert response.status_code == 200
    assert response.json()["duplicate"] is False
    job = ScrapeJob.objects.get(job_id="job-1")
    assert (job.source, job.state) == ("all", "succeeded")
    assert job.finished_at == datetime(2026, 11, 29, 2, 5, tzinfo=UTC)
    assert job.counts == {"fetched": 10, "new": 4, "updated": 3, "skipped": 3, "failed": 0}
    assert job.errors == []
    assert job.last_webhook_at is not None


def test_a_later_event_updates_the_mirror(api: APIClient) -> None:
    deliver(api, event("msg_1", state="partial"), "msg_1")
    errors = [{"source": "pwc", "code": "upstream_down", "message": "503"}]
    later = event("msg_2", state="failed", finished_at="2026-11-29T03:00:00Z", errors=errors)
    assert deliver(api, later, "msg_2").status_code == 200
    job = ScrapeJob.objects.get()
    assert job.state == "failed"
    assert job.errors == errors


def test_an_older_event_arriving_late_never_overwrites_a_newer_state(api: APIClient) -> None:
    deliver(api, event("msg_new", state="succeeded", finished_at="2026-11-29T03:00:00Z"), "msg_new")
    late = event("msg_old", state="failed", finished_at="2026-11-29T02:05:00Z")
    response = deliver(api, late, "msg_old")
    assert response.status_code == 200  # acknowledged, so the sender stops retrying
    job = ScrapeJob.objects.get()
    assert job.state == "succeeded"
    assert job.finished_at == datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def test_a_replay_is_acknowledged_and_acted_on_once(api: APIClient) -> None:
    body = event("msg_1")
    deliver(api, body, "msg_1")
    first = ScrapeJob.objects.get()
    ScrapeJob.objects.update(state="partial")  # would be undone if the replay acted again
    replay = deliver(api, body, "msg_1")
    assert replay.status_code == 200
    assert replay.json()["duplicate"] is True
    job = ScrapeJob.objects.get()
    assert job.state == "partial"
    assert job.last_webhook_at == first.last_webhook_at
    assert WebhookReceipt.objects.filter(webhook_id="msg_1").count() == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, headers: (body.replace(b"succeeded", b"failed"), headers),
        lambda body, headers: (body, {**headers, "webhook-signature": "v1,AAAA"}),
        lambda body, headers: (body, sign_headers(["not-the-secret"], body, msg_id="msg_1")),
    ],
)
def test_a_tampered_webhook_is_401_and_changes_nothing(api: APIClient, tamper: Any) -> None:
    body = event("msg_1")
    sent, headers = tamper(body, sign_headers(["test-secret-new"], body, msg_id="msg_1"))
    response = api.generic("POST", URL, sent, content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"].startswith("webhook_")
    assert not ScrapeJob.objects.exists()


def test_data_that_does_not_validate_is_422_and_not_recorded(api: APIClient) -> None:
    body = event("msg_bad", state="exploded")
    response = deliver(api, body, "msg_bad")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert not ScrapeJob.objects.exists()
    assert not WebhookReceipt.objects.filter(webhook_id="msg_bad").exists()
