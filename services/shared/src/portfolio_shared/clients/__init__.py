"""Typed async clients, one per service, over one long-lived ``httpx.AsyncClient`` each.

Usage::

    async with DocumentsClient.from_settings(settings, token_provider=tokens) as documents:
        hits = await documents.search("retrieval augmented generation", k=5)

Failures raise :mod:`portfolio_shared.errors` exceptions: the peer's envelope by status, any 5xx as
``UpstreamError``, no answer at all as ``ServiceUnavailable``.
"""

from portfolio_shared.auth.providers import TokenProvider
from portfolio_shared.clients._errors import (
    UPSTREAM_CONNECTION_ERROR,
    UPSTREAM_INVALID_RESPONSE,
    UPSTREAM_TIMEOUT,
    UPSTREAM_UNEXPECTED_STATUS,
    UPSTREAM_UNREACHABLE,
    error_from_response,
    error_from_transport,
)
from portfolio_shared.clients._retry import RetryPolicy
from portfolio_shared.clients.analytics import AnalyticsClient
from portfolio_shared.clients.base import DEFAULT_TIMEOUT, ServiceClient
from portfolio_shared.clients.core import CoreClient
from portfolio_shared.clients.documents import DocumentsClient, Submitted
from portfolio_shared.clients.scraper import ScraperClient
from portfolio_shared.clients.wire import IDEMPOTENCY_HEADER, build_request, encode_json, token_audience
from portfolio_shared.retry import parse_retry_after

__all__ = [
    "DEFAULT_TIMEOUT",
    "IDEMPOTENCY_HEADER",
    "UPSTREAM_CONNECTION_ERROR",
    "UPSTREAM_INVALID_RESPONSE",
    "UPSTREAM_TIMEOUT",
    "UPSTREAM_UNEXPECTED_STATUS",
    "UPSTREAM_UNREACHABLE",
    "AnalyticsClient",
    "CoreClient",
    "DocumentsClient",
    "RetryPolicy",
    "ScraperClient",
    "ServiceClient",
    "Submitted",
    "TokenProvider",
    "build_request",
    "encode_json",
    "error_from_response",
    "error_from_transport",
    "parse_retry_after",
    "token_audience",
]
