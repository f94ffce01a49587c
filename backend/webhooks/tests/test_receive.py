"""Webhook receipt end to end through core's HTTP API and the real database."""

from __future__ import annotations

import json
import logging
import time

import pytest
from django.db import IntegrityError
from rest_framework.test import APIClient

from portfolio_shared.webhooks import sign_headers
from webhooks.models import WebhookReceipt
from webhooks.services import HANDLERS

URL = "/api/webhooks/scraper-complete/"
pytestmark = pytest.mark.django_db


def post(api: APIClient, body: bytes, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    return api.generic("POST", URL, body, content_type="application/json", headers=headers)


def ping(msg_id: str = "msg_1") -> bytes:
    return json.dumps(
        {"type": "ping", "id": msg_id, "created_at": "2026-11-29T02:00:00Z", "data": {}}
    ).encode()


def test_signed_ping_is_acknowledged_and_recorded_once(api: APIClient) -> None:
    body = ping()
    headers = sign_headers(["test-secret-new"], body, msg_id="msg_1")
    first = post(api, body, headers)
    second = post(api, body, headers)
    assert first.status_code == second.status_code == 200
    assert first.json()["duplicate"] is False
    assert second.json()["duplicate"] is True
    assert WebhookReceipt.objects.filter(webhook_id="msg_1").count() == 1
    assert first["X-Request-ID"]


def test_an_old_secret_of_the_rotation_list_still_verifies(api: APIClient) -> None:
    body = ping("msg_old")
    assert post(api, body, sign_headers(["test-secret-old"], body, msg_id="msg_old")).status_code == 200


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda h, b: (h, b + b" "), "webhook_invalid_signature"),
        (lambda h, b: ({**h, "webhook-id": "msg_other"}, b), "webhook_invalid_signature"),
        (
            lambda h, b: ({k: v for k, v in h.items() if k != "webhook-signature"}, b),
            "webhook_missing_header",
        ),
        (lambda h, b: (sign_headers(["wrong"], b, msg_id="msg_1"), b), "webhook_invalid_signature"),
        (
            lambda h, b: (sign_headers(["test-secret-new"], b, timestamp=int(time.time()) - 3600), b),
            "webhook_timestamp_too_old",
        ),
    ],
)
def test_tampered_or_unsigned_webhooks_get_401_with_the_envelope(api: APIClient, mutate, code) -> None:  # type: ignore[no-untyped-def]
    body = ping()
    headers, sent = mutate(sign_headers(["test-secret-new"], body, msg_id="msg_1"), body)
    response = post(api, sent, headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert not WebhookReceipt.objects.exists()


def test_a_body_that_is_not_json_gets_400(api: APIClient) -> None:
    body = b"not json"
    response = post(api, body, sign_headers(["test-secret-new"], body))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


def test_an_unhandled_event_type_gets_422_and_is_not_recorded(api: APIClient) -> None:
    body = json.dumps({"type": "something.else", "id": "x", "data": {}}).encode()
    response = post(api, body, sign_headers(["test-secret-new"], body))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unsupported_event_type"
    assert not WebhookReceipt.objects.exists()


def test_a_registered_handler_runs_once_and_a_failing_one_records_nothing(api: APIClient) -> None:
    calls: list[dict] = []  # type: ignore[type-arg]

    def handler(data):  # type: ignore[no-untyped-def]
        calls.append(dict(data))
        if data.get("boom"):
            raise RuntimeError("handler failed")

    HANDLERS[("scraper", "test.event")] = handler
    try:
        body = json.dumps({"type": "test.event", "id": "e1", "data": {"n": 1}}).encode()
        headers = sign_headers(["test-secret-new"], body, msg_id="e1")
        assert post(api, body, headers).status_code == 200
        assert post(api, body, headers).status_code == 200
        assert calls == [{"n": 1}]

        bad = json.dumps({"type": "test.event", "id": "e2", "data": {"boom": True}}).encode()
        response = post(api, bad, sign_headers(["test-secret-new"], bad, msg_id="e2"))
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "internal_error"
        # The receipt rolled back with the handler, so a redelivery will be acted on.
        assert not WebhookReceipt.objects.filter(webhook_id="e2").exists()
    finally:
        del HANDLERS[("scraper", "test.event")]


def test_receipts_older_than_the_retention_are_pruned(api: APIClient, settings) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from webhooks import retention

    settings.WEBHOOK_RECEIPT_RETENTION_DAYS = 7
    for msg_id, age in (("old_1", 8), ("old_2", 30), ("recent", 6)):
        receipt = WebhookReceipt.objects.create(
            webhook_id=msg_id, sender="scraper", event_type="ping", payload={}
        )
        WebhookReceipt.objects.filter(pk=receipt.pk).update(received_at=timezone.now() - timedelta(days=age))

    call_command("prune_webhook_receipts")
    assert set(WebhookReceipt.objects.values_list("webhook_id", flat=True)) == {"recent"}

    # Receiving prunes too, at most once an hour per process.
    WebhookReceipt.objects.filter(webhook_id="recent").update(received_at=timezone.now() - timedelta(days=9))
    retention._next_prune = 0.0
    body = ping("msg_prune")
    assert post(api, body, sign_headers(["test-secret-new"], body, msg_id="msg_prune")).status_code == 200
    assert set(WebhookReceipt.objects.values_list("webhook_id", flat=True)) == {"msg_prune"}


def test_a_webhook_request_prunes_at_most_a_capped_number_of_batches(  # type: ignore[no-untyped-def]
    api: APIClient, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from webhooks import retention

    monkeypatch.setattr(retention, "PRUNE_BATCH", 4)
    monkeypatch.setattr(retention, "REQUEST_PRUNE_BATCHES", 2)
    settings.WEBHOOK_RECEIPT_RETENTION_DAYS = 7
    WebhookReceipt.objects.bulk_create(
        WebhookReceipt(webhook_id=f"old_{n}", sender="scraper", event_type="ping", payload={})
        for n in range(20)
    )
    WebhookReceipt.objects.update(received_at=timezone.now() - timedelta(days=30))

    def receive(msg_id: str) -> None:
        body = ping(msg_id)
        assert post(api, body, sign_headers(["test-secret-new"], body, msg_id=msg_id)).status_code == 200

    retention._next_prune = 0.0
    receive("msg_a")
    assert WebhookReceipt.objects.filter(webhook_id__startswith="old_").count() == 12  # 2 batches of 4
    receive("msg_b")  # the cap was reached: this receipt goes on, not an hour later
    assert WebhookReceipt.objects.filter(webhook_id__startswith="old_").count() == 4
    call_command("prune_webhook_receipts")  # the command has no cap
    assert not WebhookReceipt.objects.filter(webhook_id__startswith="old_").exists()


def test_an_integrity_error_raised_by_a_handler_is_a_failure_not_a_duplicate(api: APIClient) -> None:
    calls: list[dict] = []  # type: ignore[type-arg]

    def handler(data):  # type: ignore[no-untyped-def]
        calls.append(dict(data))
        if len(calls) == 1:  # the first delivery hits a constraint of the handler's own tables
            raise IntegrityError('duplicate key value violates unique constraint "papers_paper_pkey"')

    HANDLERS[("scraper", "test.event")] = handler
    try:
        body = json.dumps({"type": "test.event", "id": "e3", "data": {"n": 3}}).encode()
        headers = sign_headers(["test-secret-new"], body, msg_id="e3")
        failed = post(api, body, headers)
        assert failed.status_code == 500  # the sender retries; nothing is acknowledged
        assert not WebhookReceipt.objects.filter(webhook_id="e3").exists()
        redelivered = post(api, body, headers)
        assert redelivered.status_code == 200
        assert redelivered.json()["duplicate"] is False
        assert calls == [{"n": 3}, {"n": 3}]
    finally:
        del HANDLERS[("scraper", "test.event")]


@pytest.mark.parametrize(("log_format", "level"), [("json", logging.INFO), ("console", logging.DEBUG)])
def test_a_delivery_is_one_access_line_quiet_on_a_developers_terminal(  # type: ignore[no-untyped-def]
    api: APIClient, caplog, monkeypatch, log_format: str, level: int
) -> None:
    monkeypatch.setenv("LOG_FORMAT", log_format)
    body = ping("msg_log")
    with caplog.at_level(logging.DEBUG, logger="portfolio.access"):
        assert post(api, body, sign_headers(["test-secret-new"], body, msg_id="msg_log")).status_code == 200
        api.get("/api/profile/")  # a visitor's request: INFO in both formats
    access = {r.getMessage().split()[1]: r.levelno for r in caplog.records if r.name == "portfolio.access"}
    assert access == {URL: level, "/api/profile/": logging.INFO}
