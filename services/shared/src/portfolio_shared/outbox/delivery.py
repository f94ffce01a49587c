"""One delivery attempt over HTTP: build the signed webhook or authenticated REST request, send it,
and classify the answer. No database here; the dispatcher records what this returns.

A REST message is a declared operation sent later: the request is built by the typed clients' own
:func:`portfolio_shared.clients.wire.build_request`, so it carries the same headers and JSON bytes
as the client would send, and its token is minted for the audience of the operation the row's
method and path are (:func:`portfolio_shared.contracts.operation_for`; a row that is no declared
operation, such as one enqueued with a raw path, gets its destination's audience).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from portfolio_shared.clients.wire import build_request, retry_after, token_audience
from portfolio_shared.contracts.operations import operation_for
from portfolio_shared.webhooks import sign_headers

#: Statuses whose ``Retry-After`` is honoured.
RETRY_AFTER_STATUSES = frozenset({429, 503})
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
    """Turns a :class:`Message` into one HTTP request and its :class:`Result`.

    ``audiences`` maps a declared audience to the one the tokens carry (as
    ``portfolio_shared.auth.audiences_from_settings`` gives it); ``caller`` names the sending
    service in the ``User-Agent``, as its typed clients do.
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        targets: Mapping[str, str],
        webhook_secrets: Mapping[str, Sequence[str]],
        token_provider: TokenProvider | None,
        audiences: Mapping[str, str],
        clock: Clock | None,
        caller: str | None = None,
    ) -> None:
        self.http = http
        self.targets = {name: url.rstrip("/") for name, url in targets.items()}
        self.webhook_secrets = {name: list(s) for name, s in webhook_secrets.items()}
        self.token_provider = token_provider
        self.audiences = dict(audiences)
        self._clock = clock
        self.caller = caller

    def build_request(self, m: Message) -> httpx.Request:
        """The request for ``m``; raises ``_ConfigError`` when the configuration cannot serve it."""
        base = self.targets.get(m.destination)
        if base is None:
            raise _ConfigError(f"unknown target {m.destination!r}")
        url = f"{base}/{m.path.lstrip('/')}"
        webhook = m.kind == "webhook"
        # A REST row without a body (JSON null) sends none, as the client does; GET and DELETE never do.
        body = m.payload if webhook or m.method not in _BODYLESS_METHODS else None
        token = idempotency_key = None
        secrets = self.webhook_secrets.get(m.destination) or []
        if webhook:
            if not secrets:
                raise _ConfigError(f"no webhook secret configured for target {m.destination!r}")
        else:
            token = self._token(m)
            idempotency_key = m.msg_id
        request = build_request(
            self.http,
            m.method,
            url,
            caller=self.caller,
            token=token,
            request_id=m.request_id,
            idempotency_key=idempotency_key,
            json=body,
            headers=m.headers,
        )
        if webhook:
            # Signed after building: what is signed is exactly the body that is sent.
            request.headers.update(sign_headers(secrets, request.content, msg_id=m.msg_id))
        return request

    def _token(self, m: Message) -> str:
        if self.token_provider is None:
            raise _ConfigError("REST messages need a token provider")
        operation = operation_for(m.destination, m.method, m.path)
        try:
            return self.token_provider.get_token(token_audience(operation, m.destination, self.audiences))
        except Exception as exc:
            raise _ConfigError(f"cannot mint a token for {m.destination!r}: {exc}") from exc

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
        wait = None
        if status in RETRY_AFTER_STATUSES:
            wait = retry_after(response, self._clock() if self._clock is not None else datetime.now(UTC))
        error = f"HTTP {status}: {response.text[:_ERROR_TEXT_LIMIT]}"
        return Result(status, error, wait, f"http_{status}")
