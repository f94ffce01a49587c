"""Building signed ``document.processed`` webhooks for the documents tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rest_framework.test import APIClient

from portfolio_shared.schemas import DocumentProcessed, DocumentProcessedEvent
from portfolio_shared.webhooks import sign_headers

URL = "/api/webhooks/document-processed/"
SECRET = "documents-test-secret"
T0 = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


def processed(**overrides: Any) -> dict[str, Any]:
    """A valid succeeded ``document.processed`` data dict, with ``overrides`` applied."""
    data: dict[str, Any] = {
        "job_id": "job-1",
        "document_id": "doc-1",
        "document_key": "project:alpha",
        "state": "succeeded",
        "source_type": "text",
        "source_url": "http://127.0.0.1:5173/projects/alpha",
        "title": "Alpha",
        "pages": 1,
        "chunks": 3,
        "characters": 1200,
        "summary": "Alpha in brief.",
        "content_sha256": "a" * 64,
    }
    data.update(overrides)
    return data


def event_body(data: dict[str, Any], *, event_id: str, at: datetime = T0) -> bytes:
    event = DocumentProcessedEvent(id=event_id, created_at=at, data=DocumentProcessed.model_validate(data))
    return event.model_dump_json().encode()


def raw_body(data: dict[str, Any], *, event_id: str, at: datetime = T0) -> bytes:
    """An event body built without validation (for payloads that must fail it)."""
    import json

    body = {"type": "document.processed", "id": event_id, "created_at": at.isoformat(), "data": data}
    return json.dumps(body).encode()


def deliver(api: APIClient, body: bytes, *, event_id: str, secret: str = SECRET):  # type: ignore[no-untyped-def]
    headers = sign_headers([secret], body, msg_id=event_id)
    return api.generic("POST", URL, body, content_type="application/json", headers=headers)


def send(api: APIClient, *, event_id: str, at: datetime = T0, **overrides: Any):  # type: ignore[no-untyped-def]
    return deliver(api, event_body(processed(**overrides), event_id=event_id, at=at), event_id=event_id)


def later(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)
