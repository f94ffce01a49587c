"""Adding a message to the outbox inside the caller's own transaction.

``enqueue`` needs only a DB-API cursor whose paramstyle is ``%s``: a psycopg 3 cursor (server- or
client-side binding), Django's ``connection.cursor()``, or SQLAlchemy's
``session.connection().connection.cursor()``. The row becomes visible — and the ``NOTIFY`` that
wakes the dispatchers fires — only when the caller commits; a rollback leaves nothing behind.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Literal, Protocol

from portfolio_shared.contracts.operation import BoundCall
from portfolio_shared.contracts.operations import WEBHOOK_RECEIVERS
from portfolio_shared.log import get_request_id
from portfolio_shared.outbox.schema import OUTBOX_CHANNEL
from portfolio_shared.tracing import inject_context

Kind = Literal["webhook", "rest"]
_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE", "GET"})


class Cursor(Protocol):
    """The slice of a DB-API 2 cursor that ``enqueue`` uses."""

    def execute(self, query: Any, params: Any = ..., /) -> Any: ...


def new_message_id() -> str:
    """A fresh message id in the Standard Webhooks style (``msg_<32 hex>``)."""
    return f"msg_{uuid.uuid4().hex}"


def webhook_body(
    event_type: str, msg_id: str, created_at: datetime, data: Mapping[str, Any]
) -> dict[str, Any]:
    """DESIGN.md's webhook body ``{"type", "id", "created_at", "data"}``; ``id`` equals ``webhook-id``."""
    return {"type": event_type, "id": msg_id, "created_at": created_at.isoformat(), "data": dict(data)}


def _json_default(value: object) -> str:
    # Dates as ISO 8601 (what pydantic emits); UUIDs, Decimals and the like as their text.
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


_INSERT = """
INSERT INTO outbox_message
    (msg_id, kind, destination, path, method, event_type, payload, headers, request_id, created_at)
VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s, %s)
ON CONFLICT (msg_id) DO NOTHING
"""


def enqueue(
    cursor: Cursor,
    *,
    destination: str,
    path: str,
    payload: Mapping[str, Any] | None,
    kind: Kind = "webhook",
    event_type: str | None = None,
    method: str = "POST",
    msg_id: str | None = None,
    request_id: str | None = None,
    headers: Mapping[str, str] | None = None,
    notify: bool = True,
) -> str:
    """Add one message to the outbox through ``cursor``, in the caller's transaction; return its id.

    ``destination`` is a logical target (``"core"``) that the dispatcher resolves to a base URL at
    delivery time, and ``path`` is appended to it. For ``kind="webhook"`` the stored body is the
    webhook envelope built around ``payload`` (``event_type`` is then required) and the message id
    becomes ``webhook-id``; for ``kind="rest"`` ``payload`` is the JSON body as is (None: no body,
    stored as JSON ``null``; never sent for ``DELETE``/``GET``) and the id is sent as
    ``Idempotency-Key``.

    A caller-chosen ``msg_id`` makes enqueue idempotent: the same id again adds nothing. The request
    id defaults to the one of the request being handled, so the delivery carries ``X-Request-ID``;
    with tracing on, the current span's ``traceparent`` is stored in ``headers`` too, so the
    delivery continues the trace of the request that enqueued it.
    """
    if kind not in ("webhook", "rest"):
        raise ValueError(f"unknown outbox message kind {kind!r}")
    method = method.upper()
    if method not in _METHODS:
        raise ValueError(f"unsupported method {method!r}")
    if kind == "webhook":
        if not event_type:
            raise ValueError("a webhook message needs an event_type")
        if method != "POST":
            raise ValueError("webhooks are always POSTed")
        if payload is None:
            raise ValueError("a webhook message needs a payload")
    if not destination:
        raise ValueError("destination is required")
    msg_id = msg_id or new_message_id()
    created_at = datetime.now(UTC)
    body: dict[str, Any] | None
    if kind == "webhook":
        body = webhook_body(event_type or "", msg_id, created_at, payload or {})
    else:
        body = dict(payload) if payload is not None else None
    cursor.execute(
        _INSERT,
        (
            msg_id,
            kind,
            destination,
            path,
            method,
            event_type,
            json.dumps(body, default=_json_default),
            json.dumps(dict(inject_context(dict(headers or {})))),
            request_id or get_request_id(),
            created_at,
        ),
    )
    if notify:
        # Delivered by Postgres only on commit, so a dispatcher never wakes for a rolled-back row.
        cursor.execute(f"NOTIFY {OUTBOX_CHANNEL}")
    return msg_id


def enqueue_call(
    cursor: Cursor,
    call: BoundCall,
    *,
    target: str | None = None,
    msg_id: str | None = None,
    request_id: str | None = None,
    headers: Mapping[str, str] | None = None,
    notify: bool = True,
) -> str:
    """Add one declared operation (``PROCESS_TEXT.bind(item)``, see :mod:`portfolio_shared.contracts`)
    to the outbox: the dispatcher later sends it to the operation's service as an authenticated REST
    call, retried until it is accepted. Its message id goes as ``Idempotency-Key``.

    The row holds the operation's method, filled-in path and JSON body (a call without one stores
    JSON ``null`` and sends none); the dispatcher reads the operation back from them
    (:func:`portfolio_shared.contracts.operation_for`, for its token's audience) and builds the
    request with the typed clients' own code, so rows enqueued before operations existed (a raw path
    and dict) deliver the same way. ``target`` names the service when the operation has several.
    """
    operation = call.operation
    return enqueue(
        cursor,
        destination=target or operation.service,
        path=call.path,
        method=operation.method,
        payload=call.json,
        kind="rest",
        msg_id=msg_id,
        request_id=request_id,
        headers=headers,
        notify=notify,
    )


def enqueue_webhook(
    cursor: Cursor,
    event_type: str,
    data: Mapping[str, Any],
    *,
    msg_id: str | None = None,
    request_id: str | None = None,
    notify: bool = True,
) -> str:
    """Add one signed webhook of ``event_type`` to the outbox, addressed to the receiver that
    :data:`portfolio_shared.contracts.WEBHOOK_RECEIVERS` declares for it (``data``: its body's
    ``data``, validated against the declared model)."""
    receiver = WEBHOOK_RECEIVERS.get(event_type)
    if receiver is None:
        raise ValueError(f"no receiver is declared for webhook type {event_type!r}")
    payload = receiver.data.model_validate(data).model_dump(mode="json")
    return enqueue(
        cursor,
        destination=receiver.service,
        path=receiver.path,
        kind="webhook",
        event_type=event_type,
        payload=payload,
        msg_id=msg_id,
        request_id=request_id,
        notify=notify,
    )


# Unclaimed, undelivered, live messages to ``destination`` that carry ``document_key`` in their JSON
# body or go to ``path``. Rows a dispatcher holds (``locked_by`` set) are left alone; the row lock
# this DELETE takes makes a concurrent claim skip a row until the caller commits.
_DISCARD_PENDING = """
DELETE FROM outbox_message
WHERE destination = %s AND delivered_at IS NULL AND NOT dead AND locked_by IS NULL
  AND ((method = 'POST' AND payload->>'document_key' = %s) OR (method = 'DELETE' AND path = %s))
"""


def discard_pending(cursor: Cursor, *, destination: str, document_key: str, path: str) -> None:
    """Drop the not-yet-sent messages about ``document_key`` before enqueueing a newer one.

    For senders whose every message carries the item's complete current state: an older message
    still waiting would only re-send stale data and, retried after the newer one, overwrite it.
    Matches POSTs whose body has ``document_key`` and DELETEs of ``path``.
    Runs in the caller's transaction.
    """
    cursor.execute(_DISCARD_PENDING, [destination, document_key, path])
