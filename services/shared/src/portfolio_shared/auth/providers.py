"""Outbound side: tokens a service sends when it calls another one.

A :class:`TokenProvider` hands out a bearer token for an audience (token mode: the target's name;
oidc mode: the target's URL, see :func:`portfolio_shared.auth.audience_for`) and caches it until
shortly before it expires. :class:`BearerAuth` plugs a provider into an ``httpx`` client.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Protocol, runtime_checkable

import httpx
import jwt

from portfolio_shared.auth.keys import SigningKey
from portfolio_shared.auth.principal import MAX_TOKEN_TTL, AuthCode
from portfolio_shared.auth.tokens import issue_token
from portfolio_shared.errors import UpstreamError

#: The metadata server's identity endpoint (Cloud Run, GCE, GKE with workload identity).
DEFAULT_METADATA_IDENTITY_URL = (
    "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/identity"
)
#: A cached token is replaced this many seconds before it expires, so it never expires in flight.
REFRESH_MARGIN = 60


@runtime_checkable
class TokenProvider(Protocol):
    """Hands out bearer tokens for calls to ``audience``."""

    def get_token(self, audience: str) -> str:
        """A valid token for ``audience`` (may block on I/O in oidc mode)."""
        ...

    async def aget_token(self, audience: str) -> str:
        """A valid token for ``audience``, without blocking the event loop."""
        ...


class _TokenCache:
    def __init__(self, clock: Callable[[], float], margin: float) -> None:
        self._clock, self._margin = clock, margin
        self._tokens: dict[str, tuple[str, float]] = {}
        self.lock = threading.Lock()

    def get(self, audience: str) -> str | None:
        cached = self._tokens.get(audience)
        if cached is not None and self._clock() < cached[1] - self._margin:
            return cached[0]
        return None

    def put(self, audience: str, token: str, expires_at: float) -> None:
        self._tokens[audience] = (token, expires_at)


class SignedTokenProvider:
    """Token mode: mints tokens ``iss=issuer``, ``aud=audience`` signed with ``issuer``'s own private
    ``key``, one per audience, reused until ``refresh_margin`` seconds before expiry."""

    def __init__(
        self,
        issuer: str,
        key: SigningKey | str,
        *,
        ttl: int = MAX_TOKEN_TTL,
        refresh_margin: float = REFRESH_MARGIN,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 0 < ttl <= MAX_TOKEN_TTL:
            raise ValueError(f"service token ttl must be within 1..{MAX_TOKEN_TTL} seconds, got {ttl}")
        self.issuer, self._ttl, self._clock = issuer, ttl, clock
        self._key = key if isinstance(key, SigningKey) else SigningKey.load(key)
        # A margin as long as the ttl would mint a token per call; keep at least a third of the ttl.
        self._cache = _TokenCache(clock, min(refresh_margin, ttl * 2 / 3))

    def get_token(self, audience: str) -> str:
        """A token for ``audience``, from the cache when it still has more than the margin to live."""
        with self._cache.lock:
            token = self._cache.get(audience)
            if token is None:
                now = self._clock()
                token = issue_token(
                    issuer=self.issuer, audience=audience, key=self._key, ttl=self._ttl, now=now
                )
                self._cache.put(audience, token, int(now) + self._ttl)
            return token

    async def aget_token(self, audience: str) -> str:
        """Same as :meth:`get_token` (no I/O involved)."""
        return self.get_token(audience)


class GoogleIdTokenProvider:
    """Oidc mode: ID tokens from the metadata server (``Metadata-Flavor: Google``), per audience,
    with ``format=full`` so the token carries the service account's ``email``. Cached until
    ``refresh_margin`` seconds before the token's ``exp``."""

    def __init__(
        self,
        metadata_url: str = DEFAULT_METADATA_IDENTITY_URL,
        *,
        timeout: float = 5.0,
        refresh_margin: float = REFRESH_MARGIN,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.metadata_url = metadata_url
        self._timeout = httpx.Timeout(timeout)
        self._clock = clock
        self._cache = _TokenCache(clock, refresh_margin)

    def _request(self, audience: str) -> httpx.Request:
        return httpx.Request(
            "GET",
            self.metadata_url,
            params={"audience": audience, "format": "full"},
            headers={"Metadata-Flavor": "Google"},
        )

    def _accept(self, audience: str, response: httpx.Response) -> str:
        if response.status_code != 200:
            raise UpstreamError(
                f"the metadata server answered {response.status_code} for an ID token",
                code=AuthCode.PROVIDER_FAILED.value,
                details={"status": response.status_code},
            )
        token = response.text.strip()
        try:
            exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
        except jwt.InvalidTokenError:
            exp = None
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            raise UpstreamError(
                "the metadata server returned no usable ID token", code=AuthCode.PROVIDER_FAILED.value
            )
        self._cache.put(audience, token, float(exp))
        return token

    def get_token(self, audience: str) -> str:
        """An ID token for ``audience``; fetched from the metadata server when none is cached."""
        with self._cache.lock:
            token = self._cache.get(audience)
            if token is not None:
                return token
            try:
                with httpx.Client(timeout=self._timeout, trust_env=False) as client:
                    response = client.send(self._request(audience))
            except httpx.HTTPError as exc:
                raise _unreachable(exc) from exc
            return self._accept(audience, response)

    async def aget_token(self, audience: str) -> str:
        """As :meth:`get_token`, without blocking the event loop (concurrent misses may fetch twice)."""
        token = self._cache.get(audience)
        if token is not None:
            return token
        try:
            async with httpx.AsyncClient(timeout=self._timeout, trust_env=False) as client:
                response = await client.send(self._request(audience))
        except httpx.HTTPError as exc:
            raise _unreachable(exc) from exc
        return self._accept(audience, response)


def _unreachable(exc: httpx.HTTPError) -> UpstreamError:
    return UpstreamError(
        "the metadata server could not be reached for an ID token",
        code=AuthCode.PROVIDER_FAILED.value,
        details={"error": type(exc).__name__},
    )


class BearerAuth(httpx.Auth):
    """``httpx`` auth that sends ``Authorization: Bearer <token for audience>`` on every request."""

    def __init__(self, provider: TokenProvider, audience: str) -> None:
        self.provider, self.audience = provider, audience

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.provider.get_token(self.audience)}"
        yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = f"Bearer {await self.provider.aget_token(self.audience)}"
        yield request
