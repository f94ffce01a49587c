"""The base of every service client: one long-lived ``httpx.AsyncClient``, auth, request ids, retries.

Each request carries ``Authorization: Bearer <token>`` (when a token provider is set, for the
audience its operation declares), the current ``X-Request-ID`` (the same one on every retry) and a
``User-Agent`` naming the calling service; :mod:`portfolio_shared.clients.wire` builds it, as it
builds the outbox's deliveries.
Retries happen only where repeating is safe: idempotent methods (or a POST that carries an
``Idempotency-Key``, or is declared safe such as a search) on transport failures and on
429/502/503/504; any other POST only when the connection was never made. Failures become the shared
exceptions (see :mod:`portfolio_shared.clients._errors`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from portfolio_shared.auth.authenticator import audiences_from_settings
from portfolio_shared.auth.providers import TokenProvider
from portfolio_shared.clients._errors import error_from_response, error_from_transport, parse_model
from portfolio_shared.clients._retry import IDEMPOTENT_METHODS, RetryPolicy, retryable_error
from portfolio_shared.clients.wire import build_request, token_audience
from portfolio_shared.contracts.encodings import service_audience
from portfolio_shared.contracts.operation import BoundCall, Operation
from portfolio_shared.errors import ErrorEnvelope
from portfolio_shared.log import get_request_id, new_request_id
from portfolio_shared.schemas.health import HealthResponse, ReadyResponse
from portfolio_shared.settings import ServiceSettings

ModelT = TypeVar("ModelT", bound=BaseModel)
Sleep = Callable[[float], Awaitable[None]]

#: Explicit per-phase limits: connecting and waiting for a pooled connection fail fast;
#: reading and writing may take longer.
DEFAULT_TIMEOUT = httpx.Timeout(connect=3.0, read=15.0, write=15.0, pool=3.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=50, max_keepalive_connections=10, keepalive_expiry=30.0)


class ServiceClient:
    """A typed client of one peer service. Use it as an async context manager, or call :meth:`aclose`.

    ``service`` names the peer (``core``, ``scraper``, ``analytics``, ``documents``); ``caller``
    names this process's service (for the ``User-Agent``); ``token_provider`` is a
    :class:`portfolio_shared.auth.TokenProvider` (see ``token_provider_from_settings``). A token is
    asked for the audience its operation declares (``Operation.token_audience``, by default the
    peer's :func:`~portfolio_shared.contracts.service_audience`), mapped through ``audiences`` to
    the one the mode puts in tokens (see ``portfolio_shared.auth.audiences_from_settings``: the
    peer's URL in oidc mode); ``audience`` sets the peer's own (default: as ``audiences`` says).
    ``retries`` is the number of retries after the first attempt, or a full :class:`RetryPolicy`.
    ``transport`` replaces the network (``httpx.MockTransport``, ``httpx.ASGITransport``) and
    ``sleep`` the waiting between attempts, both for tests.
    """

    service: ClassVar[str] = ""
    #: The ServiceSettings field holding this peer's base URL (for :meth:`from_settings`).
    url_setting: ClassVar[str] = ""

    def __init__(
        self,
        base_url: str,
        *,
        caller: str,
        service: str | None = None,
        token_provider: TokenProvider | None = None,
        audience: str | None = None,
        audiences: Mapping[str, str] | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retries: int | RetryPolicy = 2,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: httpx.Limits = DEFAULT_LIMITS,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        name = service or type(self).service
        if not name:
            raise ValueError("a ServiceClient needs the name of the service it talks to")
        self.service_name = name
        self.caller = caller
        self.base_url = base_url.rstrip("/")
        self.audiences = dict(audiences or {})
        if audience:
            self.audiences[service_audience(name)] = audience
        #: What tokens for this peer's own operations are minted for.
        self.audience = token_audience(None, name, self.audiences)
        self.token_provider = token_provider
        self.retry = retries if isinstance(retries, RetryPolicy) else RetryPolicy(attempts=retries + 1)
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=timeout,
            limits=limits,
            transport=transport,
        )

    @classmethod
    def from_settings(
        cls,
        settings: ServiceSettings,
        *,
        token_provider: TokenProvider | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retries: int | RetryPolicy = 2,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> Self:
        """A client of this peer as ``settings`` configure it (URL, caller name, token audience)."""
        if not cls.url_setting:
            raise TypeError(f"{cls.__name__} does not name its URL setting")
        return cls(
            str(getattr(settings, cls.url_setting)),
            caller=settings.service_name,
            token_provider=token_provider,
            # Google ID tokens are minted for the target's URL; our own JWTs for the target's name.
            audiences=audiences_from_settings(settings),
            timeout=timeout,
            retries=retries,
            transport=transport,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections. The client cannot be used afterwards."""
        await self._http.aclose()

    # -- the request loop -------------------------------------------------------------------------

    async def _token(self, operation: Operation | None) -> str | None:
        if self.token_provider is None:
            return None
        # Asked on every attempt: tokens are short-lived and the provider caches them.
        audience = token_audience(operation, self.service_name, self.audiences)
        return await self.token_provider.aget_token(audience)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        stream: bool = False,
        idempotent: bool | None = None,
        idempotency_key: str | None = None,
        accept: Collection[int] = (),
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        operation: Operation | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        policy = retry or self.retry
        method = method.upper()
        repeatable = bool(idempotency_key) or (
            idempotent if idempotent is not None else method in IDEMPOTENT_METHODS
        )
        request_id = get_request_id() or new_request_id()
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= policy.attempts
            request = build_request(
                self._http,
                method,
                path,
                caller=self.caller,
                token=await self._token(operation),
                request_id=request_id,
                idempotency_key=idempotency_key,
                headers=headers,
                **kwargs,
            )
            try:
                response = await self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                if last or not retryable_error(exc, repeatable=repeatable):
                    raise error_from_transport(self.service_name, self.base_url, exc) from exc
                await self._sleep(policy.backoff_delay(attempt))
                continue
            status = response.status_code
            if status in accept or response.is_success:
                return response
            if repeatable and not last and status in policy.statuses:
                delay = policy.delay_for(response, attempt)
                if delay is not None:
                    await response.aclose()
                    await self._sleep(delay)
                    continue
            try:
                await response.aread()
            except httpx.TransportError as exc:
                raise error_from_transport(self.service_name, self.base_url, exc) from exc
            finally:
                await response.aclose()
            raise error_from_response(self.service_name, response)

    async def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool | None = None,
        idempotency_key: str | None = None,
        accept: Collection[int] = (),
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send a request with auth, request id and retries; return a 2xx (or ``accept``-ed) response.

        ``idempotent`` overrides the method's own safety (e.g. True for a read-only POST);
        ``idempotency_key`` is sent as ``Idempotency-Key`` and makes a POST safe to retry;
        ``retry`` replaces the client's policy for this call.
        Other keyword arguments go to :func:`portfolio_shared.clients.wire.build_request` (``json``,
        ``params``, ``files``, ``data``, ``content``, ``timeout``). Raises a ``PortfolioError`` subclass.
        """
        return await self._read(
            await self._send(
                method,
                path,
                idempotent=idempotent,
                idempotency_key=idempotency_key,
                accept=accept,
                headers=headers,
                retry=retry,
                **kwargs,
            )
        )

    async def _read(self, response: httpx.Response) -> httpx.Response:
        try:
            await response.aread()
        except httpx.TransportError as exc:
            raise error_from_transport(self.service_name, self.base_url, exc) from exc
        return response

    async def send(
        self,
        call: BoundCall,
        *,
        idempotency_key: str | None = None,
        accept: Collection[int] = (),
        retry: RetryPolicy | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one declared operation (``SEARCH.bind(body)``, see :mod:`portfolio_shared.contracts`)
        and return its 2xx (or ``accept``-ed) response; as :meth:`request` otherwise.

        Its method and path come from the operation, which must be served by this client's peer,
        its JSON body is the bound one and its token is minted for the operation's audience; a safe
        operation is retried like a GET.
        """
        if self.service_name not in call.operation.targets:
            raise ValueError(f"{call.operation.name} is not served by {self.service_name}")
        return await self._read(
            await self._send(
                call.method,
                call.path,
                json=call.json,
                idempotent=call.operation.idempotent,
                idempotency_key=idempotency_key,
                accept=accept,
                retry=retry,
                operation=call.operation,
                **kwargs,
            )
        )

    @asynccontextmanager
    async def stream(self, method: str, path: str, **kwargs: Any) -> AsyncIterator[httpx.Response]:
        """Like :meth:`request`, but the body is left unread for streaming; closed on exit.

        Retries cover only getting the response; a failure while reading the body is raised as
        :class:`ServiceUnavailable` by whoever reads it (see :meth:`_lines`).
        """
        response = await self._send(method, path, stream=True, **kwargs)
        try:
            yield response
        finally:
            await response.aclose()

    async def _lines(self, response: httpx.Response) -> AsyncIterator[str]:
        try:
            async for line in response.aiter_lines():
                yield line
        except httpx.TransportError as exc:
            raise error_from_transport(self.service_name, self.base_url, exc) from exc

    def _parse(self, response: httpx.Response, model: type[ModelT]) -> ModelT:
        return parse_model(self.service_name, response, model)

    # -- endpoints every service has --------------------------------------------------------------

    async def health(self) -> HealthResponse:
        """``GET /health`` (liveness), one attempt: a probe that retries hides what it probes."""
        response = await self.request("GET", "/health", retry=_PROBE)
        return self._parse(response, HealthResponse)

    async def ready(self) -> ReadyResponse:
        """``GET /ready``, one attempt; a 503 answer is returned as ``status="not_ready"``.

        The 503 body is the error envelope whose ``details.checks`` lists the checks; without it
        (say, a proxy's 503) the result has no checks.
        """
        response = await self.request("GET", "/ready", retry=_PROBE, accept=(503,))
        if response.status_code != 503:
            return self._parse(response, ReadyResponse)
        try:
            checks = ErrorEnvelope.model_validate_json(response.content).error.details.get("checks", {})
            return ReadyResponse.model_validate({"status": "not_ready", "checks": checks})
        except ValidationError:
            return ReadyResponse(status="not_ready")


_PROBE = RetryPolicy(attempts=1)
