"""``oidc`` mode: Google-signed ID tokens, as Cloud Run and Cloud Scheduler send them.

The token's audience is the target service's URL; the caller is found by the token's ``email``
(a service account) in a configured mapping ``email -> caller name``. Signatures are checked by
google-auth (``google.oauth2.id_token.verify_token``) against the certificates at ``certs_url``,
which :class:`CachingRequest` keeps for as long as their ``Cache-Control`` allows, so a request
does not cost a certificate download.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, cast

import google.auth.exceptions
import google.auth.transport
import google.auth.transport.requests
import jwt
from google.oauth2 import id_token as google_id_token

from portfolio_shared.auth.principal import (
    DEFAULT_LEEWAY,
    AuthCode,
    ServicePrincipal,
    auth_failed,
    check_times,
)
from portfolio_shared.errors import ServiceUnavailable

#: Issuers of Google ID tokens.
GOOGLE_ISSUERS = frozenset({"https://accounts.google.com", "accounts.google.com"})
#: Google ID tokens live one hour.
MAX_ID_TOKEN_LIFETIME = 3600
_ALGORITHM = "RS256"
_MAX_AGE = re.compile(r"max-age=(\d+)")


def parse_oidc_callers(raw: str | None) -> dict[str, str]:
    """Parse ``OIDC_CALLERS`` (``"scheduler=sched@p.iam.gserviceaccount.com,core=core@..."``).

    Returns ``{email: caller}``; a caller may appear with several emails. Raises ``ValueError`` on an
    entry that is not ``name=email`` or an email given to two callers.
    """
    callers: dict[str, str] = {}
    for entry in (raw or "").split(","):
        if not entry.strip():
            continue
        name, sep, email = (part.strip() for part in entry.partition("="))
        if not (sep and name and "@" in email):
            raise ValueError(f"OIDC_CALLERS entry {entry.strip()!r} is not 'name=service-account-email'")
        email = email.lower()
        if callers.get(email, name) != name:
            raise ValueError(f"OIDC_CALLERS gives {email} to both {callers[email]!r} and {name!r}")
        callers[email] = name
    return callers


class CachingRequest(google.auth.transport.Request):
    """A google-auth transport that keeps successful GET responses (the signing certificates).

    Each URL is kept for its ``Cache-Control: max-age``, clamped to ``[min_age, max_age]``
    (``default_age`` when the header says nothing). Thread-safe: one fetch at a time.
    """

    def __init__(
        self,
        inner: google.auth.transport.Request | None = None,
        *,
        timeout: float = 10.0,
        min_age: float = 60.0,
        max_age: float = 6 * 3600.0,
        default_age: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner or google.auth.transport.requests.Request()
        self._timeout = timeout
        self._min_age, self._max_age, self._default_age = min_age, max_age, default_age
        self._clock = clock
        # url -> (fetched at, fresh until, response)
        self._cache: dict[str, tuple[float, float, google.auth.transport.Response]] = {}
        self._lock = threading.Lock()
        self.fetches = 0

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> google.auth.transport.Response:
        if method.upper() != "GET" or body is not None:
            return cast(
                google.auth.transport.Response,
                self._inner(url, method=method, body=body, headers=headers, timeout=timeout, **kwargs),
            )
        with self._lock:
            cached = self._cache.get(url)
            if cached is not None and cached[1] > self._clock():
                return cached[2]
            response: google.auth.transport.Response = self._inner(
                url, method="GET", headers=headers, timeout=timeout or self._timeout, **kwargs
            )
            self.fetches += 1
            if response.status == 200:
                now = self._clock()
                self._cache[url] = (now, now + self._age(response.headers), response)
            return response

    def _age(self, headers: Mapping[str, str]) -> float:
        cache_control = {k.lower(): v for k, v in headers.items()}.get("cache-control", "")
        if "no-store" in cache_control or "no-cache" in cache_control:
            return self._min_age
        match = _MAX_AGE.search(cache_control)
        age = float(match.group(1)) if match else self._default_age
        return min(max(age, self._min_age), self._max_age)

    def invalidate(self, url: str, *, older_than: float = 0.0) -> bool:
        """Forget the cached response for ``url`` if it was fetched more than ``older_than`` seconds ago.

        Returns whether it was forgotten. ``older_than`` bounds how often a caller can force refetches.
        """
        with self._lock:
            cached = self._cache.get(url)
            if cached is None or self._clock() - cached[0] < older_than:
                return False
            del self._cache[url]
            return True

    @property
    def min_age(self) -> float:
        """The shortest time a response is kept."""
        return self._min_age


def verify_oidc_token(
    token: str | None,
    *,
    audience: str,
    callers: Mapping[str, str],
    request: google.auth.transport.Request,
    certs_url: str,
    leeway: float = DEFAULT_LEEWAY,
) -> ServicePrincipal:
    """Verify a Google-signed ID token meant for ``audience`` (the target's URL); return its caller.

    ``callers`` maps service-account emails (lower case) to caller names. Codes as in token mode
    (an unmapped email or a non-Google ``iss`` is ``token_unknown_issuer``); certificates that
    cannot be fetched answer 503 ``oidc_certs_unavailable``.
    """
    if not token:
        raise auth_failed(AuthCode.MISSING, "An ID token is required.")
    try:
        header = jwt.get_unverified_header(token)
        # Unverified read: cheap rejection of expired or misdirected tokens before any crypto.
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise auth_failed(AuthCode.MALFORMED, "The ID token is not a well-formed JWT.") from None
    if header.get("alg") != _ALGORITHM:
        raise auth_failed(
            AuthCode.INVALID_ALGORITHM, f"ID tokens must be signed with {_ALGORITHM}.", alg=header.get("alg")
        )
    check_times(claims, now=time.time(), leeway=leeway, max_lifetime=MAX_ID_TOKEN_LIFETIME)
    if claims.get("aud") != audience:
        raise auth_failed(
            AuthCode.WRONG_AUDIENCE,
            f"The ID token is not meant for {audience!r}.",
            audience=claims.get("aud"),
        )

    verified = _verify_signature(
        token, audience=audience, request=request, certs_url=certs_url, leeway=leeway
    )

    if verified.get("iss") not in GOOGLE_ISSUERS:
        raise auth_failed(
            AuthCode.UNKNOWN_ISSUER, "The ID token was not issued by Google.", issuer=verified.get("iss")
        )
    email = verified.get("email")
    if not isinstance(email, str) or verified.get("email_verified") is not True:
        raise auth_failed(AuthCode.UNKNOWN_ISSUER, "The ID token carries no verified email.")
    caller = callers.get(email.lower())
    if caller is None:
        raise auth_failed(AuthCode.UNKNOWN_ISSUER, f"Unknown calling service account {email!r}.", email=email)
    return ServicePrincipal(caller=caller, claims=verified, mode="oidc")


def _certs_unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        "Google's signing certificates could not be fetched.",
        code=AuthCode.OIDC_CERTS_UNAVAILABLE.value,
        retry_after=5,
    )


def _verify_signature(
    token: str, *, audience: str, request: google.auth.transport.Request, certs_url: str, leeway: float
) -> Mapping[str, Any]:
    # A kid missing from cached certificates may mean Google rotated keys: refetch once.
    for attempt in range(2):
        try:
            return google_id_token.verify_token(
                token, request, audience=audience, certs_url=certs_url, clock_skew_in_seconds=int(leeway)
            )
        except google.auth.exceptions.TransportError:
            raise _certs_unavailable() from None
        except json.JSONDecodeError:
            if isinstance(request, CachingRequest):
                request.invalidate(certs_url)
            raise _certs_unavailable() from None
        # google-auth raises its own errors for PEM certificates, pyjwt's for a JWK set.
        except (google.auth.exceptions.GoogleAuthError, ValueError, jwt.PyJWTError) as exc:
            message = str(exc).lower()
            unknown_key = "key id" in message or "signing key" in message
            # Tokens with made-up key ids must not make us refetch on every request: once per min_age.
            if (
                attempt == 0
                and unknown_key
                and isinstance(request, CachingRequest)
                and request.invalidate(certs_url, older_than=request.min_age)
            ):
                continue
            if "expired" in message:  # the token expired between our check and google-auth's
                raise auth_failed(AuthCode.EXPIRED, "The ID token has expired.") from None
            raise auth_failed(
                AuthCode.INVALID_SIGNATURE, "The ID token's signature does not verify."
            ) from None
    raise AssertionError("unreachable")  # pragma: no cover
