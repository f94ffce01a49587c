"""One delivery attempt over HTTP: build the signed webhook or authenticated REST request, send it,
and classify the answer. No database here; the dispatcher records what this returns."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from portfolio_shared.log import REQUEST_ID_HEADER
from portfolio_shared.retry import parse_retry_after
from portfolio_shared.tracing import inject_context
from portfolio_shared.webhooks import sign_headers

#: Statuses whose ``Retry-After`` is honoured.
RETRY_AFTER_STATUSES = frozenset({429, 503})
IDEMPOTENCY_HEADER = "Idempotency-Key"
_BODYLESS_METHODS = frozenset({"GET", "DELETE"})
_ERROR_TEXT_LIMIT = 2000

Clock = Callable[[], datetime]


class TokenProvider(Protocol):
    """What the dispatcher needs of ``portfolio_shared.auth``'s token providers: a blocking call."""

    def get_token(self, audience: str) -> str: ...


@dataclass(frozen=True)
class Message:
    """A claimed outbox row; ``attempt`` is the number this delivery counts as (and its fence)."""

    id: int
    msg_id: str
    kind: str
    destination: str
    path: str
    method: str
    payload: Any
    headers: dict[str, str]
    request_id: str | None
    attempt: int


@dataclass(frozen=True)
class Result:
    """One attempt's outcome; ``reason`` (ok, http_<status>, network, config) labels the metrics."""

    status_code: int | None
    error: str | None
    retry_after: float | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _ConfigError(Exception):
    """The request cannot be built (unknown target, no secret, no token)."""


class Courier:
    """Turns a :class:`Message` into one HTTP request and its :class:`Result`."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        targets: Mapping[str, str],
        webhook_secrets: Mapping[str, Sequence[str]],
        token_provider: TokenProvider | None,
        audiences: Mapping[str, str],
        clock: Clock | None,
    ) -> None:
        self.http = http
        self.targets = {name: url.rstrip("/") for name, url in targets.items()}
        self.webhook_secrets = {name: list(s) for name, s in webhook_secrets.items()}
        self.token_provider = token_provider
        self.audiences = dict(audiences)
        self._clock = clock

    def build_request(self, m: Message) -> httpx.Request:
        """The request for ``m``; raises ``_ConfigError`` when the configuration cannot serve it."""
        base = self.targets.get(m.destination)
        if base is None:
            raise _ConfigError(f"unknown target {m.destination!r}")
        url = f"{base}/{m.path.lstrip('/')}"
        headers = dict(m.headers)
        # The delivery span's context replaces the stored one (its parent) when tracing is on.
        inject_context(headers)
        if m.request_id:
            headers[REQUEST_ID_HEADER] = m.request_id
        body = b""
        if m.kind == "webhook" or m.method not in _BODYLESS_METHODS:
            # jsonb does not keep the original bytes; what is signed is exactly what is sent.
            body = json.dumps(m.payload, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        if m.kind == "webhook":
            secrets = self.webhook_secrets.get(m.destination)
            if not secrets:
                raise _ConfigError(f"no webhook secret configured for target {m.destination!r}")
            headers.update(sign_headers(secrets, body, msg_id=m.msg_id))
        else:
            if self.token_provider is None:
                raise _ConfigError("REST messages need a token provider")
            try:
                token = self.token_provider.get_token(self.audiences.get(m.destination, m.destination))
            except Exception as exc:
                raise _ConfigError(f"cannot mint a token for {m.destination!r}: {exc}") from exc
            headers["Authorization"] = f"Bearer {token}"
            headers[IDEMPOTENCY_HEADER] = m.msg_id
        return self.http.build_request(m.method, url, content=body or None, headers=headers)

    def send(self, m: Message) -> Result:
        """Attempt delivery of ``m`` once; never raises for HTTP or configuration trouble."""
        try:
            request = self.build_request(m)
        except (_ConfigError, httpx.InvalidURL) as exc:
            return Result(None, str(exc), None, "config")
        try:
            response = self.http.send(request)
            response.read()
        except (httpx.HTTPError, httpx.StreamError) as exc:
            return Result(None, f"{type(exc).__name__}: {exc}"[:_ERROR_TEXT_LIMIT], None, "network")
        status = response.status_code
        if 200 <= status < 300:
            return Result(status, None, None, "ok")
        retry_after = None
        if status in RETRY_AFTER_STATUSES:
            now = self._clock() if self._clock is not None else datetime.now(UTC)
            retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
        error = f"HTTP {status}: {response.text[:_ERROR_TEXT_LIMIT]}"
        return Result(status, error, retry_after, f"http_{status}")
