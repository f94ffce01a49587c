"""Calling the other services from core's synchronous views with the shared async clients.

Each call opens a client, runs one coroutine under an overall deadline and closes the client:
``async_to_sync`` runs every call on a fresh event loop, and an ``httpx.AsyncClient``'s pooled
connections belong to the loop that opened them, so a client cannot outlive its call here. The
deadline bounds the whole call, retries included, so a slow or silent peer costs a request at most
``deadline`` seconds and answers 503 (``upstream_timeout``), never a hang.

What a fresh client would otherwise rebuild every call, its TLS context (loading the CA bundle:
~15 ms idle, over 100 ms on a busy machine, more than the similar-papers call itself), is made once
per process and handed to each call's transport.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import TypeVar

import httpx
from asgiref.sync import async_to_sync
from django.conf import settings

from config.env import get_settings
from portfolio_shared.auth import TokenProvider, audiences_from_settings, token_provider_from_settings
from portfolio_shared.clients import UPSTREAM_TIMEOUT, RetryPolicy, ServiceClient
from portfolio_shared.errors import ServiceUnavailable

ClientT = TypeVar("ClientT", bound=ServiceClient)
T = TypeVar("T")


@lru_cache
def token_provider() -> TokenProvider:
    """Core's outbound service-token provider (one per process: it caches the tokens it mints)."""
    return token_provider_from_settings(get_settings())


@lru_cache
def tls_context() -> ssl.SSLContext:
    """The verifying TLS context every outbound call shares (what httpx would build per client)."""
    return ssl.create_default_context()


def base_url(service: str) -> str:
    """The peer's base URL from Django settings (``<SERVICE>_URL``), so tests can override it."""
    return str(getattr(settings, f"{service.upper()}_URL"))


def call(
    client_class: type[ClientT],
    operation: Callable[[ClientT], Awaitable[T]],
    *,
    deadline: float,
    timeout: httpx.Timeout | None = None,
    retry: RetryPolicy | None = None,
) -> T:
    """Run ``operation`` with a fresh ``client_class`` client; raise the shared exceptions.

    ``timeout`` limits each phase of each attempt (default: ``deadline`` for every phase);
    ``retry`` defaults to a single attempt, the right choice for a call made while a user waits.
    """
    service = client_class.service

    async def run() -> T:
        client = client_class(
            base_url(service),
            caller="core",
            token_provider=token_provider(),
            audiences=audiences_from_settings(get_settings()),
            timeout=timeout or httpx.Timeout(deadline),
            retries=retry or RetryPolicy(attempts=1),
            transport=httpx.AsyncHTTPTransport(verify=tls_context()),
        )
        async with client:
            try:
                async with asyncio.timeout(deadline):
                    return await operation(client)
            except TimeoutError:
                raise ServiceUnavailable(
                    f"The {service} service did not answer within {deadline:g} s.",
                    code=UPSTREAM_TIMEOUT,
                    details={"service": service, "deadline_seconds": deadline},
                ) from None

    return async_to_sync(run)()
