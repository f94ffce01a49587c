"""Turning settings into the inbound authenticator and the outbound token provider.

Configuration (environment):

- ``SERVICE_AUTH_MODE`` = ``token`` | ``oidc`` (:class:`ServiceSettings`).
- token mode: the audience is this service's ``service_name``; the callers are those with public
  keys in ``SERVICE_CALLER_KEYS_<CALLER>``, and outbound tokens are signed with
  ``SERVICE_SIGNING_KEY`` (:mod:`portfolio_shared.auth.settings_keys`).
- oidc mode: the audience is ``SERVICE_AUDIENCE``, or else this service's own ``<NAME>_URL``
  without its trailing slash; certificates come from ``OIDC_CERTS_URL``. Two more variables live
  on :class:`ServiceAuthSettings` (a service's settings class may also inherit from it):
  ``OIDC_CALLERS`` (``"scheduler=sched@proj.iam.gserviceaccount.com,core=core@..."``, the
  service-account email of each caller) and ``OIDC_METADATA_URL`` (where outbound ID tokens come from).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping
from typing import Annotated

import google.auth.transport
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from portfolio_shared.auth.keys import SigningKey
from portfolio_shared.auth.oidc import CachingRequest, parse_oidc_callers, verify_oidc_token
from portfolio_shared.auth.principal import (
    DEFAULT_LEEWAY,
    KNOWN_CALLERS,
    TARGET_SERVICES,
    ServicePrincipal,
    bearer_token,
    check_caller,
)
from portfolio_shared.auth.providers import (
    DEFAULT_METADATA_IDENTITY_URL,
    GoogleIdTokenProvider,
    SignedTokenProvider,
    TokenProvider,
)
from portfolio_shared.auth.settings_keys import caller_keys, signing_key
from portfolio_shared.auth.tokens import CallerKeys, verify_token
from portfolio_shared.contracts.encodings import service_audience
from portfolio_shared.settings import ServiceSettings


class ServiceAuthSettings(BaseSettings):
    """The oidc-only settings: who the callers are and where our own ID tokens come from."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    #: ``{service-account email: caller name}``, from ``OIDC_CALLERS`` (``name=email,...``).
    oidc_callers: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict, alias="OIDC_CALLERS")
    oidc_metadata_url: str = Field(default=DEFAULT_METADATA_IDENTITY_URL, alias="OIDC_METADATA_URL")

    @field_validator("oidc_callers", mode="before")
    @classmethod
    def _parse_callers(cls, value: object) -> object:
        return parse_oidc_callers(value) if isinstance(value, str) else value


class ServiceAuthenticator(ABC):
    """Checks the ``Authorization`` header of an inbound service call."""

    mode: str

    @abstractmethod
    def verify(self, token: str | None) -> ServicePrincipal:
        """Verify a bare token; raise ``AuthenticationFailed`` with the failure's code."""

    def authenticate(
        self, authorization_header: str | None, *, allowed: Collection[str] | None = None
    ) -> ServicePrincipal:
        """Verify ``Authorization: Bearer <token>``; return the caller.

        Raises ``AuthenticationFailed`` (401, one code per failure) or, when ``allowed`` is given
        and does not name the caller, ``Forbidden`` (403 ``caller_not_allowed``).
        """
        return check_caller(self.verify(bearer_token(authorization_header)), allowed)


class TokenAuthenticator(ServiceAuthenticator):
    """Token mode: tokens for ``audience`` signed by a caller whose public key is in ``keys``."""

    mode = "token"

    def __init__(
        self,
        *,
        audience: str,
        keys: CallerKeys,
        allowed_issuers: Collection[str] | None = KNOWN_CALLERS,
        leeway: float = DEFAULT_LEEWAY,
    ) -> None:
        self.audience, self.keys, self.allowed_issuers, self.leeway = (
            audience,
            {caller: list(accepted) for caller, accepted in keys.items()},
            allowed_issuers,
            leeway,
        )

    def verify(self, token: str | None) -> ServicePrincipal:
        return verify_token(
            token,
            audience=self.audience,
            keys=self.keys,
            allowed_issuers=self.allowed_issuers,
            leeway=self.leeway,
        )


class OidcAuthenticator(ServiceAuthenticator):
    """Oidc mode: Google ID tokens for ``audience``, callers by service-account email."""

    mode = "oidc"

    def __init__(
        self,
        *,
        audience: str,
        callers: Mapping[str, str],
        certs_url: str,
        request: google.auth.transport.Request | None = None,
        leeway: float = DEFAULT_LEEWAY,
    ) -> None:
        self.audience, self.certs_url, self.leeway = audience, certs_url, leeway
        self.callers = {email.lower(): name for email, name in callers.items()}
        # One long-lived request object: its cache is what keeps certificates between calls.
        self.request: google.auth.transport.Request = request or CachingRequest()

    def verify(self, token: str | None) -> ServicePrincipal:
        return verify_oidc_token(
            token,
            audience=self.audience,
            callers=self.callers,
            request=self.request,
            certs_url=self.certs_url,
            leeway=self.leeway,
        )


def audience_for(settings: ServiceSettings, target: str) -> str:
    """The audience to put in tokens for ``target`` (token: its name; oidc: its URL, no trailing slash)."""
    if target not in TARGET_SERVICES:
        raise ValueError(f"unknown target service {target!r}; expected one of {sorted(TARGET_SERVICES)}")
    if settings.service_auth_mode == "token":
        return service_audience(target)
    return str(getattr(settings, f"{target}_url")).rstrip("/")


def audiences_from_settings(settings: ServiceSettings) -> dict[str, str]:
    """Each service's declared audience (:func:`~portfolio_shared.contracts.service_audience`, what
    an operation's token is for) mapped to the one ``settings``' mode puts in tokens (:func:`audience_for`).

    The typed clients and the outbox ask their token provider through this mapping; an audience
    that is no service's (one an operation declares itself) is not in it and is used as is.
    """
    return {service_audience(name): audience_for(settings, name) for name in sorted(TARGET_SERVICES)}


def _own_audience(settings: ServiceSettings) -> str:
    if settings.service_audience:
        return settings.service_audience
    if settings.service_name in TARGET_SERVICES:
        return str(getattr(settings, f"{settings.service_name}_url")).rstrip("/")
    raise ValueError(f"SERVICE_AUDIENCE is required for service {settings.service_name!r} in oidc mode")


def token_authenticator(settings: ServiceSettings, audience: str | None = None) -> TokenAuthenticator:
    """Token mode's authenticator for ``audience`` (default: this service's name) with the caller
    keys of ``settings``; ``ValueError`` when no caller key is configured."""
    keys = caller_keys(settings)
    if not keys:
        raise ValueError(
            "no SERVICE_CALLER_KEYS_<CALLER> is set: in token mode no caller could ever be accepted"
        )
    return TokenAuthenticator(audience=audience or service_audience(settings.service_name), keys=keys)


def _signing_key(settings: ServiceSettings) -> SigningKey:
    key = signing_key(settings)
    if key is None:
        raise ValueError(f"SERVICE_SIGNING_KEY is required for {settings.service_name!r} to call services")
    return key


def _auth_settings(settings: ServiceSettings, auth: ServiceAuthSettings | None) -> ServiceAuthSettings:
    if auth is not None:
        return auth
    return settings if isinstance(settings, ServiceAuthSettings) else ServiceAuthSettings()


def authenticator_from_settings(
    settings: ServiceSettings, auth: ServiceAuthSettings | None = None
) -> ServiceAuthenticator:
    """The inbound authenticator for ``settings.service_auth_mode``. Build it once per process.

    ``auth`` defaults to ``settings`` itself when its class inherits :class:`ServiceAuthSettings`,
    else to one read from the environment. Raises ``ValueError`` on a configuration that could
    never accept a call (no caller keys in token mode; oidc without callers or audience).
    """
    if settings.service_auth_mode == "token":
        return token_authenticator(settings)
    callers = _auth_settings(settings, auth).oidc_callers
    if not callers:
        raise ValueError("OIDC_CALLERS is empty: in oidc mode no caller could ever be accepted")
    return OidcAuthenticator(
        audience=_own_audience(settings), callers=callers, certs_url=settings.oidc_certs_url
    )


def token_provider_from_settings(
    settings: ServiceSettings, auth: ServiceAuthSettings | None = None
) -> TokenProvider:
    """The outbound token provider for ``settings.service_auth_mode``; pair it with :func:`audience_for`.

    Token mode raises ``ValueError`` when this workload has no ``SERVICE_SIGNING_KEY``.
    """
    if settings.service_auth_mode == "token":
        return SignedTokenProvider(settings.service_name, _signing_key(settings))
    return GoogleIdTokenProvider(_auth_settings(settings, auth).oidc_metadata_url)
