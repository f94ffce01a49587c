"""``token`` mode: short-lived HS256 JWTs signed with the shared ``SERVICE_TOKEN_SECRET``.

A token names the calling service (``iss``), the target service (``aud``), when it was issued
(``iat``) and when it expires (``exp``, at most :data:`MAX_TOKEN_TTL` seconds later).

``SERVICE_TOKEN_SECRET`` may list several secrets, comma-separated, for rotation without downtime
(as the webhook secrets do): tokens are signed with the first and accepted when any of them
verifies. Rotate by prepending the new secret everywhere, then dropping the old one.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from typing import Any

import jwt

from portfolio_shared.auth.principal import (
    DEFAULT_LEEWAY,
    MAX_TOKEN_TTL,
    AuthCode,
    ServicePrincipal,
    auth_failed,
    check_times,
)

ALGORITHM = "HS256"


def token_secrets(secret: str | Sequence[str]) -> list[str]:
    """The secrets in ``secret``: a comma-separated setting value, or already a list; first signs."""
    values = secret.split(",") if isinstance(secret, str) else list(secret)
    return [value.strip() for value in values if value.strip()]


def issue_token(
    *,
    issuer: str,
    audience: str,
    secret: str | Sequence[str],
    ttl: int = MAX_TOKEN_TTL,
    now: float | None = None,
) -> str:
    """Mint a service token from ``issuer`` to ``audience``, valid for ``ttl`` seconds (1..300),
    signed with the first of ``secret``'s secrets (:func:`token_secrets`).

    Raises ``ValueError`` for a longer or non-positive ``ttl``, or an empty issuer, audience or secret.
    """
    if not 0 < ttl <= MAX_TOKEN_TTL:
        raise ValueError(f"service token ttl must be within 1..{MAX_TOKEN_TTL} seconds, got {ttl}")
    keys = token_secrets(secret)
    if not (issuer and audience and keys):
        raise ValueError("issuer, audience and secret are required to issue a service token")
    iat = int(time.time() if now is None else now)
    claims = {"iss": issuer, "aud": audience, "iat": iat, "exp": iat + ttl}
    return jwt.encode(claims, keys[0], algorithm=ALGORITHM)


def verify_token(
    token: str | None,
    *,
    audience: str,
    secret: str | Sequence[str],
    allowed_issuers: Collection[str] | None,
    leeway: float = DEFAULT_LEEWAY,
    now: float | None = None,
) -> ServicePrincipal:
    """Verify a service token meant for ``audience``; return the calling service.

    The signature may be made with any of ``secret``'s secrets (:func:`token_secrets`).

    ``allowed_issuers`` lists the callers this service knows (None: any non-empty ``iss``; the
    shared secret already proves it is one of ours). Every rejection raises
    :class:`~portfolio_shared.errors.AuthenticationFailed` with its own code: ``token_missing``,
    ``token_malformed``, ``token_invalid_algorithm`` (anything but HS256, ``none`` included),
    ``token_invalid_signature``, ``token_expired``, ``token_not_yet_valid``,
    ``token_expiry_too_far`` (``exp`` more than 5 min + ``leeway`` away), ``token_wrong_audience``,
    ``token_unknown_issuer``.
    """
    if not token:
        raise auth_failed(AuthCode.MISSING, "A service token is required.")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError:
        raise auth_failed(AuthCode.MALFORMED, "The service token is not a well-formed JWT.") from None
    if header.get("alg") != ALGORITHM:
        raise auth_failed(
            AuthCode.INVALID_ALGORITHM,
            f"Service tokens must be signed with {ALGORITHM}.",
            alg=header.get("alg"),
        )
    # Times and audience are checked below with our own clock and codes; pyjwt checks the signature.
    options: jwt.types.Options = {
        "verify_exp": False,
        "verify_iat": False,
        "verify_nbf": False,
        "verify_aud": False,
    }
    claims: dict[str, Any] | None = None
    for key in token_secrets(secret):
        try:
            claims = jwt.decode(token, key, algorithms=[ALGORITHM], options=options)
            break
        except jwt.InvalidSignatureError:
            continue
        except jwt.InvalidTokenError:
            raise auth_failed(AuthCode.MALFORMED, "The service token is not a well-formed JWT.") from None
    if claims is None:
        raise auth_failed(AuthCode.INVALID_SIGNATURE, "The service token's signature does not match.")

    check_times(claims, now=time.time() if now is None else now, leeway=leeway, max_lifetime=MAX_TOKEN_TTL)
    if claims.get("aud") != audience:
        raise auth_failed(
            AuthCode.WRONG_AUDIENCE,
            f"The service token is not meant for {audience!r}.",
            audience=claims.get("aud"),
        )
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise auth_failed(AuthCode.MALFORMED, "The service token has no 'iss' claim.", claim="iss")
    if allowed_issuers is not None and issuer not in allowed_issuers:
        raise auth_failed(AuthCode.UNKNOWN_ISSUER, f"Unknown calling service {issuer!r}.", issuer=issuer)
    return ServicePrincipal(caller=issuer, claims=claims, mode="token")
