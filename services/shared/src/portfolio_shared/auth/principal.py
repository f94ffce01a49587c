"""The authenticated caller, the error codes of every rejection, and the checks both modes share."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Literal

from portfolio_shared.errors import AuthenticationFailed, Forbidden

#: Services that answer calls (token mode: the ``aud`` of a token).
TARGET_SERVICES = frozenset({"core", "scraper", "analytics", "documents"})
#: Every name that may call a service (token mode: the ``iss`` of a token).
KNOWN_CALLERS = TARGET_SERVICES | {"scheduler", "admin"}

#: Longest lifetime of a service token (token mode); ``issue_token`` refuses more.
MAX_TOKEN_TTL = 300
#: Clock skew tolerated between services, in seconds.
DEFAULT_LEEWAY = 30


class AuthCode(StrEnum):
    """The ``error.code`` of every service-auth failure."""

    MISSING = "token_missing"
    MALFORMED = "token_malformed"
    #: Anything but the mode's algorithms (EdDSA or ES256 / RS256), ``none`` included.
    INVALID_ALGORITHM = "token_invalid_algorithm"
    INVALID_SIGNATURE = "token_invalid_signature"
    EXPIRED = "token_expired"
    #: ``iat`` later than now + leeway.
    NOT_YET_VALID = "token_not_yet_valid"
    #: ``exp`` further away than the longest lifetime + leeway.
    EXPIRY_TOO_FAR = "token_expiry_too_far"
    WRONG_AUDIENCE = "token_wrong_audience"
    UNKNOWN_ISSUER = "token_unknown_issuer"
    #: 403: a known caller that an endpoint does not allow.
    CALLER_NOT_ALLOWED = "caller_not_allowed"
    #: 503: oidc mode could not fetch Google's signing certificates (retryable).
    OIDC_CERTS_UNAVAILABLE = "oidc_certs_unavailable"
    #: 502 on the outbound side: no token could be obtained (metadata server down).
    PROVIDER_FAILED = "token_provider_failed"


# RFC 6750: a 401 for a bearer-protected resource names the scheme.
_CHALLENGE = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


@dataclass(frozen=True, slots=True)
class ServicePrincipal:
    """A verified service caller.

    ``caller`` is the service name (``core``, ``scheduler``, ...), ``claims`` the verified token
    claims and ``mode`` how it was verified.
    """

    caller: str
    claims: Mapping[str, Any] = field(default_factory=dict)
    mode: Literal["token", "oidc"] = "token"

    def __post_init__(self) -> None:
        object.__setattr__(self, "claims", MappingProxyType(dict(self.claims)))


def auth_failed(code: AuthCode, message: str, **details: Any) -> AuthenticationFailed:
    """An :class:`AuthenticationFailed` (401) with ``code`` and the bearer challenge header."""
    return AuthenticationFailed(message, code=code.value, details=details, headers=dict(_CHALLENGE))


def bearer_token(authorization_header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header.

    Raises ``token_missing`` when there is no header or no token, ``token_malformed`` for another scheme.
    """
    if authorization_header is None or not authorization_header.strip():
        raise auth_failed(AuthCode.MISSING, "A service token is required (Authorization: Bearer <token>).")
    scheme, _, token = authorization_header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise auth_failed(AuthCode.MALFORMED, "The Authorization header must use the Bearer scheme.")
    token = token.strip()
    if not token:
        raise auth_failed(AuthCode.MISSING, "The Authorization header carries no token.")
    return token


def check_caller(principal: ServicePrincipal, allowed: Collection[str] | None) -> ServicePrincipal:
    """Return ``principal`` if ``allowed`` is None or names its caller, else raise :class:`Forbidden`."""
    if allowed is not None and principal.caller not in allowed:
        raise Forbidden(
            f"service {principal.caller!r} may not call this endpoint",
            code=AuthCode.CALLER_NOT_ALLOWED.value,
            details={"caller": principal.caller, "allowed": sorted(allowed)},
        )
    return principal


def check_times(
    claims: Mapping[str, Any], *, now: float, leeway: float, max_lifetime: float
) -> tuple[float, float]:
    """Check ``iat``/``exp``: present and numeric, not expired, not issued in the future, and ``exp``
    no further than ``max_lifetime`` (+ leeway) away, so a leaked long-lived token is refused even
    when its signature is good. Returns ``(iat, exp)``."""
    values: dict[str, float] = {}
    for name in ("iat", "exp"):
        value = claims.get(name)
        # bool is an int subclass; true/false are not times.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise auth_failed(AuthCode.MALFORMED, f"The token has no numeric '{name}' claim.", claim=name)
        values[name] = float(value)
    iat, exp = values["iat"], values["exp"]
    if exp <= now - leeway:
        raise auth_failed(AuthCode.EXPIRED, "The service token has expired.")
    if iat > now + leeway:
        raise auth_failed(AuthCode.NOT_YET_VALID, "The service token was issued in the future.")
    if exp > now + max_lifetime + leeway:
        raise auth_failed(
            AuthCode.EXPIRY_TOO_FAR,
            f"The service token expires too far in the future (at most {int(max_lifetime)} s).",
        )
    return iat, exp
