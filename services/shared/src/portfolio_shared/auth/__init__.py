"""Service-to-service authentication: ``Authorization: Bearer <token>`` on every internal call.

Two modes, chosen by ``SERVICE_AUTH_MODE``:

- ``token``: a short-lived JWT (``iss`` = calling service, ``aud`` = target service, ``iat``,
  ``exp`` at most 5 minutes later) signed with the caller's own Ed25519 or P-256 private key
  (``SERVICE_SIGNING_KEY``) and verified with the public keys the target holds for that caller
  (``SERVICE_CALLER_KEYS_<CALLER>``): :func:`issue_token`, :func:`verify_token`,
  :mod:`~portfolio_shared.auth.keys`.
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
    audiences_from_settings,
    authenticator_from_settings,
    token_authenticator,
    token_provider_from_settings,
)
from portfolio_shared.auth.devkeys import (
    dev_public_keys,
    dev_signing_key,
    generate_keyring,
    is_dev_key,
    public_keys,
    workload_env,
)
from portfolio_shared.auth.keys import ALGORITHMS, SigningKey, VerifyingKey, load_public_keys
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
    SignedTokenProvider,
    TokenProvider,
)
from portfolio_shared.auth.settings_keys import caller_keys, signing_key
from portfolio_shared.auth.tokens import CallerKeys, issue_token, verify_token

__all__ = [
    "ALGORITHMS",
    "DEFAULT_LEEWAY",
    "DEFAULT_METADATA_IDENTITY_URL",
    "KNOWN_CALLERS",
    "MAX_TOKEN_TTL",
    "TARGET_SERVICES",
    "AuthCode",
    "BearerAuth",
    "CachingRequest",
    "CallerKeys",
    "GoogleIdTokenProvider",
    "OidcAuthenticator",
    "ServiceAuthSettings",
    "ServiceAuthenticator",
    "ServicePrincipal",
    "SignedTokenProvider",
    "SigningKey",
    "TokenAuthenticator",
    "TokenProvider",
    "VerifyingKey",
    "audience_for",
    "audiences_from_settings",
    "authenticator_from_settings",
    "bearer_token",
    "caller_keys",
    "check_caller",
    "dev_public_keys",
    "dev_signing_key",
    "generate_keyring",
    "is_dev_key",
    "issue_token",
    "load_public_keys",
    "parse_oidc_callers",
    "public_keys",
    "signing_key",
    "token_authenticator",
    "token_provider_from_settings",
    "verify_oidc_token",
    "verify_token",
    "workload_env",
]
