"""Service-to-service authentication: ``Authorization: Bearer <token>`` on every internal call.

Two modes, chosen by ``SERVICE_AUTH_MODE``:

- ``token``: a short-lived HS256 JWT (``iss`` = calling service, ``aud`` = target service,
  ``iat``, ``exp`` at most 5 minutes later) signed with ``SERVICE_TOKEN_SECRET``
  (:func:`issue_token`, :func:`verify_token`).
- ``oidc``: a Google-signed ID token whose audience is the target's URL, as Cloud Run and Cloud
  Scheduler send; the caller is found by the token's service-account ``email`` in ``OIDC_CALLERS``
  (:func:`verify_oidc_token`).

Inbound: build one :class:`ServiceAuthenticator` per process with :func:`authenticator_from_settings`
and call ``.authenticate(header, allowed=...)``, or use the framework glue in
:mod:`portfolio_shared.auth.fastapi` (``require_service``) and :mod:`portfolio_shared.auth.drf`
(``ServiceTokenAuthentication``, ``IsService``). Every failure is an
:class:`~portfolio_shared.errors.AuthenticationFailed` (401) with its own code (:class:`AuthCode`);
a known caller that an endpoint does not allow is :class:`~portfolio_shared.errors.Forbidden`
(403 ``caller_not_allowed``).

Outbound: :func:`token_provider_from_settings` gives a :class:`TokenProvider`; ask it for a token
for ``audience_for(settings, "scraper")`` or give an httpx client ``auth=BearerAuth(provider, audience)``.
"""

from portfolio_shared.auth.authenticator import (
    OidcAuthenticator,
    ServiceAuthenticator,
    ServiceAuthSettings,
    TokenAuthenticator,
    audience_for,
    authenticator_from_settings,
    token_provider_from_settings,
)
from portfolio_shared.auth.oidc import CachingRequest, parse_oidc_callers, verify_oidc_token
from portfolio_shared.auth.principal import (
    DEFAULT_LEEWAY,
    KNOWN_CALLERS,
    MAX_TOKEN_TTL,
    TARGET_SERVICES,
    AuthCode,
    ServicePrincipal,
    bearer_token,
    check_caller,
)
from portfolio_shared.auth.providers import (
    DEFAULT_METADATA_IDENTITY_URL,
    BearerAuth,
    GoogleIdTokenProvider,
    HS256TokenProvider,
    TokenProvider,
)
from portfolio_shared.auth.tokens import issue_token, token_secrets, verify_token

__all__ = [
    "DEFAULT_LEEWAY",
    "DEFAULT_METADATA_IDENTITY_URL",
    "KNOWN_CALLERS",
    "MAX_TOKEN_TTL",
    "TARGET_SERVICES",
    "AuthCode",
    "BearerAuth",
    "CachingRequest",
    "GoogleIdTokenProvider",
    "HS256TokenProvider",
    "OidcAuthenticator",
    "ServiceAuthSettings",
    "ServiceAuthenticator",
    "ServicePrincipal",
    "TokenAuthenticator",
    "TokenProvider",
    "audience_for",
    "authenticator_from_settings",
    "bearer_token",
    "check_caller",
    "issue_token",
    "parse_oidc_callers",
    "token_provider_from_settings",
    "token_secrets",
    "verify_oidc_token",
    "verify_token",
]
