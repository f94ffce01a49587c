"""Core's /internal/metrics: the outbox backlog read from its own table at scrape time, and webhook
verification failures counted by sender and code (real Postgres, core's real HTTP handling)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from portfolio_shared.outbox import enqueue
from portfolio_shared.webhooks import sign_headers

pytestmark = pytest.mark.django_db


def sample(api: APIClient, name: str, **labels: str) -> float:
    text = api.get("/internal/metrics").content.decode()
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


def test_the_outbox_backlog_is_read_from_cores_outbox_at_scrape_time(api: APIClient) -> None:
    assert sample(api, "outbox_collector_up") == 1
    before = sample(api, "outbox_backlog")
    with connection.cursor() as cursor:
        enqueue(cursor, destination="documents", path="/process/text", kind="rest", payload={"n": 1})
    assert sample(api, "outbox_backlog") == before + 1
    assert sample(api, "outbox_oldest_pending_age_seconds") >= 0


def test_a_webhook_that_fails_verification_is_counted(api: APIClient) -> None:
    labels = {"sender": "scraper", "code": "webhook_invalid_signature"}
    before = sample(api, "webhook_verification_failures_total", **labels)
    body = json.dumps({"type": "ping", "id": "msg_x", "created_at": "2026-11-29T02:00:00Z", "data": {}})
    headers = sign_headers(["not-the-secret"], body.encode(), msg_id="msg_x")
    response = api.generic(
        "POST", "/api/webhooks/scraper-complete/", body, content_type="application/json", headers=headers
    )
    assert response.status_code == 401
    assert sample(api, "webhook_verification_failures_total", **labels) == before + 1


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_under_asgi_the_backlog_is_read_in_the_thread_that_serves_the_scrape(settings: object) -> None:
    # Django's ASGI handler runs the sync view in another thread than the one that ran the apps'
    # ready(): a collector bound to that thread's connection could not read the table there.
    from django.test import AsyncClient

    settings.PROBE_CACHE_SECONDS = 0  # type: ignore[attr-defined]
    text = (await AsyncClient().get("/internal/metrics")).content.decode()
    up = [
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "outbox_collector_up"
    ]
    assert up == [1.0]
