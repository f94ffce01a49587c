"""``token`` mode: short-lived JWTs each caller signs with its own private key (EdDSA or ES256).

A token names the calling service (``iss``), the target service (``aud``), when it was issued
(``iat``) and when it expires (``exp``, at most :data:`MAX_TOKEN_TTL` seconds later); its header
carries the signing key's id (``kid``, see :mod:`portfolio_shared.auth.keys`).

A target verifies with the public keys it holds for the token's issuer, so a workload that holds
only its own private key cannot mint a token in another caller's name. A target may hold several
keys per caller: that is how a key is rotated without downtime (publish the new public key to the
targets, then switch the caller to the new private key, then drop the old public key).
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import jwt

from portfolio_shared.auth.keys import ALGORITHMS, SigningKey, VerifyingKey
from portfolio_shared.auth.principal import (
    DEFAULT_LEEWAY,
    MAX_TOKEN_TTL,
    AuthCode,
    ServicePrincipal,
    auth_failed,
    check_times,
)

#: Public keys a target accepts, by caller name.
CallerKeys = Mapping[str, Sequence[VerifyingKey]]


def issue_token(
    *,
    issuer: str,
    audience: str,
    key: SigningKey | str,
    ttl: int = MAX_TOKEN_TTL,
    now: float | None = None,
) -> str:
    """Mint a service token from ``issuer`` to ``audience``, valid for ``ttl`` seconds (1..300),
    signed with ``issuer``'s private ``key`` (a :class:`SigningKey`, or its PEM / one-line form).

    Raises ``ValueError`` for a longer or non-positive ``ttl``, an empty issuer or audience, or a
    key that is not an Ed25519 / P-256 private key.
    """
    if not 0 < ttl <= MAX_TOKEN_TTL:
        raise ValueError(f"service token ttl must be within 1..{MAX_TOKEN_TTL} seconds, got {ttl}")
    if not (issuer and audience):
        raise ValueError("issuer and audience are required to issue a service token")
    signing = key if isinstance(key, SigningKey) else SigningKey.load(key)
    iat = int(time.time() if now is None else now)
    claims = {"iss": issuer, "aud": audience, "iat": iat, "exp": iat + ttl}
    return jwt.encode(claims, signing.key, algorithm=signing.algorithm, headers={"kid": signing.kid})


def _malformed() -> Exception:
    return auth_failed(AuthCode.MALFORMED, "The service token is not a well-formed JWT.")


def verify_token(
    token: str | None,
    *,
    audience: str,
    keys: CallerKeys,
    allowed_issuers: Collection[str] | None = None,
    leeway: float = DEFAULT_LEEWAY,
    now: float | None = None,
) -> ServicePrincipal:
    """Verify a service token meant for ``audience``; return the calling service.

    ``keys`` holds the public keys accepted from each caller; ``allowed_issuers`` (None: every
    caller in ``keys``) narrows them. Every rejection raises
    :class:`~portfolio_shared.errors.AuthenticationFailed` with its own code: ``token_missing``,
    ``token_malformed``, ``token_invalid_algorithm`` (anything but EdDSA / ES256, ``none`` and
    HS256 included), ``token_wrong_audience``, ``token_unknown_issuer`` (no key held for ``iss``),
    ``token_invalid_signature`` (no key of that caller verifies), ``token_expired``,
    ``token_not_yet_valid``, ``token_expiry_too_far`` (``exp`` more than 5 min + ``leeway`` away).
    """
    if not token:
        raise auth_failed(AuthCode.MISSING, "A service token is required.")
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise _malformed() from None
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        raise auth_failed(
            AuthCode.INVALID_ALGORITHM,
            f"Service tokens must be signed with {' or '.join(ALGORITHMS)}.",
            alg=algorithm,
        )
    # Audience and issuer only choose what to check next; nothing is trusted before the signature.
    if unverified.get("aud") != audience:
        raise auth_failed(
            AuthCode.WRONG_AUDIENCE,
            f"The service token is not meant for {audience!r}.",
            audience=unverified.get("aud"),
        )
    issuer = unverified.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise auth_failed(AuthCode.MALFORMED, "The service token has no 'iss' claim.", claim="iss")
    accepted = keys.get(issuer, ()) if allowed_issuers is None or issuer in allowed_issuers else ()
    if not accepted:
        raise auth_failed(AuthCode.UNKNOWN_ISSUER, f"Unknown calling service {issuer!r}.", issuer=issuer)

    kid = header.get("kid")
    candidates = [k for k in accepted if k.algorithm == algorithm and (kid is None or k.kid == kid)]
    # Times and audience are checked with our own clock and codes; pyjwt checks the signature only.
    options: jwt.types.Options = {
        "verify_exp": False,
        "verify_iat": False,
        "verify_nbf": False,
        "verify_aud": False,
    }
    claims: dict[str, Any] | None = None
    for candidate in candidates:
        try:
            claims = jwt.decode(token, candidate.key, algorithms=[candidate.algorithm], options=options)
            break
        except jwt.InvalidSignatureError:
            continue
        except jwt.InvalidTokenError:
            raise _malformed() from None
    if claims is None:
        raise auth_failed(
            AuthCode.INVALID_SIGNATURE,
            f"The service token's signature matches no key held for {issuer!r}.",
            kid=kid,
        )
    check_times(claims, now=time.time() if now is None else now, leeway=leeway, max_lifetime=MAX_TOKEN_TTL)
    return ServicePrincipal(caller=issuer, claims=claims, mode="token")
