"""Core's inbound service-to-service authenticator (``settings.SERVICE_AUTHENTICATOR`` names it)."""

from __future__ import annotations

from functools import lru_cache

from config.env import get_settings
from portfolio_shared.auth import ServiceAuthenticator, authenticator_from_settings


@lru_cache
def service_authenticator() -> ServiceAuthenticator:
    """Built once per process (token mode: audience ``core``); DRF's auth class calls it per request."""
    return authenticator_from_settings(get_settings())
