"""What one service request looks like on the wire, built in one place (no I/O here).

The typed clients (:class:`~portfolio_shared.clients.ServiceClient`, async) and the outbox's courier
(:class:`~portfolio_shared.outbox.delivery.Courier`, blocking, a durable transport for the same
calls) both build their requests with :func:`build_request` and read a ``Retry-After`` with
:func:`retry_after`, so one bound operation goes out alike whichever way it is sent: the same
headers (``User-Agent``, ``Accept``, ``X-Request-ID``, ``Authorization``, ``Idempotency-Key``, the
trace context) and the same JSON bytes. The token's audience comes from the operation
(:func:`token_audience`).
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from portfolio_shared.contracts.encodings import service_audience
from portfolio_shared.contracts.operation import Operation
from portfolio_shared.log import REQUEST_ID_HEADER
from portfolio_shared.retry import parse_retry_after
from portfolio_shared.tracing import inject_context

IDEMPOTENCY_HEADER = "Idempotency-Key"
JSON_CONTENT_TYPE = "application/json"


def encode_json(value: Any) -> bytes:
    """A JSON body's bytes as every service request and webhook sends them: compact UTF-8, keys sorted.

    Built here rather than by httpx so that a webhook's signature covers exactly these bytes and a
    body sent by the outbox is the one the client would have sent: the outbox keeps a body as
    ``jsonb``, which reorders its keys, so the order is fixed at sending.
    """
    return jsonlib.dumps(
        value, ensure_ascii=False, separators=(",", ":"), allow_nan=False, sort_keys=True
    ).encode()


def user_agent(caller: str) -> str:
    """The ``User-Agent`` naming the calling service."""
    return f"portfolio-{caller}"


def token_audience(operation: Operation | None, target: str, audiences: Mapping[str, str]) -> str:
    """The audience to ask the token provider for when calling ``target``.

    The declared one comes from ``operation`` (:meth:`Operation.token_audience`; a request that is
    no declared operation, such as ``/health``, gets the target's own audience); ``audiences`` maps a
    declared audience to the one the mode puts in tokens (oidc: a service's URL, see
    ``portfolio_shared.auth.audiences_from_settings``); an audience it does not name is used as is.
    """
    declared = operation.token_audience(target) if operation is not None else service_audience(target)
    return audiences.get(declared, declared)


def build_request(
    http: httpx.Client | httpx.AsyncClient,
    method: str,
    url: str,
    *,
    caller: str | None = None,
    token: str | None = None,
    request_id: str | None = None,
    idempotency_key: str | None = None,
    json: Any = None,
    headers: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> httpx.Request:
    """The request of one service call, built by ``http`` (either kind of httpx client).

    ``json`` (None: no JSON body) is encoded by :func:`encode_json` with its content type.
    ``headers`` are the caller's own (they may replace ``User-Agent`` and ``Accept``); the trace
    context of the current span, the request id, ``Authorization: Bearer <token>`` and the
    ``Idempotency-Key`` are then set over them. Other keyword arguments go to the client's
    ``build_request`` (``params``, ``files``, ``data``, ``content``, ``timeout``).
    """
    merged = httpx.Headers({"Accept": JSON_CONTENT_TYPE})
    if caller:
        merged["User-Agent"] = user_agent(caller)
    merged.update(headers or {})  # case-insensitively, as the peer reads them
    # The current span's context replaces one given in ``headers`` (the outbox stores the
    # enqueueing span's, the parent of the delivery's) when tracing is on.
    inject_context(merged)
    if request_id:
        merged[REQUEST_ID_HEADER] = request_id
    if token is not None:
        merged["Authorization"] = f"Bearer {token}"
    if idempotency_key:
        merged[IDEMPOTENCY_HEADER] = idempotency_key
    if json is not None:
        kwargs["content"] = encode_json(json)
        merged["Content-Type"] = JSON_CONTENT_TYPE
    return http.build_request(method.upper(), url, headers=merged, **kwargs)


def retry_after(response: httpx.Response, now: datetime | None = None) -> float | None:
    """Seconds the ``Retry-After`` header of ``response`` asks to wait (from ``now``), or None."""
    return parse_retry_after(response.headers.get("Retry-After"), now)
