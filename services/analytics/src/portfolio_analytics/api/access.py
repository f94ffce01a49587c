"""Who may read the dashboard (metrics and the Socket.IO feed).

With ``ANALYTICS_DASHBOARD_PUBLIC=true`` anyone may. Otherwise the request carries
``Authorization: Bearer <token>`` with either

- a dashboard token from core (``GET /api/analytics/token/``): ``iss=core``,
  ``aud=analytics-dashboard``, signed with core's own private key and verified with core's public
  keys (``SERVICE_CALLER_KEYS_CORE``, in either auth mode), at most 5 minutes long; or
- a service token for this service from ``core`` or ``admin`` (core's ``/api/analytics/summary/``
  proxy calls ``/metrics/summary`` with its ordinary service token), in either auth mode.

A missing or bad token is a 401 with the shared envelope (the token code names the failure); a
service token from a caller that may not read the dashboard is a 403 ``caller_not_allowed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from portfolio_analytics.config import AnalyticsSettings
from portfolio_shared.auth import (
    AuthCode,
    ServiceAuthenticator,
    VerifyingKey,
    bearer_token,
    caller_keys,
    check_caller,
    verify_token,
)
from portfolio_shared.auth.fastapi import get_authenticator
from portfolio_shared.contracts import ANALYTICS_DASHBOARD_AUDIENCE
from portfolio_shared.errors import AuthenticationFailed, ErrorEnvelope

#: The audience of core's dashboard tokens, declared in portfolio_shared.contracts.
DASHBOARD_AUDIENCE = ANALYTICS_DASHBOARD_AUDIENCE
#: Who may mint dashboard tokens.
DASHBOARD_ISSUERS = frozenset({"core"})
#: Services whose own service token may read the dashboard (core's proxy; the admin tooling).
DASHBOARD_SERVICE_CALLERS = frozenset({"core", "admin"})

# A token that is not a dashboard token for one of these reasons may still be a service token.
_TRY_SERVICE_TOKEN = frozenset({AuthCode.WRONG_AUDIENCE.value, AuthCode.INVALID_ALGORITHM.value})

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="DashboardToken",
    bearerFormat="JWT",
    description="A dashboard token from core (GET /api/analytics/token/) or a core/admin service token. "
    "Not needed when ANALYTICS_DASHBOARD_PUBLIC is true.",
)

#: ``responses=`` for routes behind :data:`DashboardDep`.
DASHBOARD_AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope, "description": "Missing or invalid dashboard token (private dashboard)."},
    403: {"model": ErrorEnvelope, "description": "A service token from a caller that may not read it."},
}


@dataclass(frozen=True, slots=True)
class DashboardViewer:
    """Who is reading: anyone (public dashboard), a dashboard token's holder, or a service."""

    kind: Literal["public", "dashboard", "service"]
    caller: str | None = None
    #: When the token stops being valid (epoch seconds, its ``exp``); ``None`` for a public dashboard.
    expires_at: float | None = None


PUBLIC_VIEWER = DashboardViewer(kind="public")


# Parsed once per settings object (the settings are process-wide); the object is kept so its id
# is never reused while it is a key here.
_issuer_keys: dict[int, tuple[AnalyticsSettings, dict[str, list[VerifyingKey]]]] = {}


def dashboard_issuer_keys(settings: AnalyticsSettings) -> dict[str, list[VerifyingKey]]:
    """The public keys that may sign dashboard tokens (core's), from ``settings``."""
    cached = _issuer_keys.get(id(settings))
    if cached is None or cached[0] is not settings:
        keys = {name: k for name, k in caller_keys(settings).items() if name in DASHBOARD_ISSUERS}
        cached = _issuer_keys[id(settings)] = (settings, keys)
    return cached[1]


def _verify_dashboard_token(token: str, settings: AnalyticsSettings) -> DashboardViewer:
    principal = verify_token(
        token,
        audience=DASHBOARD_AUDIENCE,
        keys=dashboard_issuer_keys(settings),
        allowed_issuers=DASHBOARD_ISSUERS,
    )
    return DashboardViewer(kind="dashboard", caller=principal.caller, expires_at=principal.claims.get("exp"))


def _service_viewer(authenticator: ServiceAuthenticator, token: str) -> DashboardViewer:
    principal = check_caller(authenticator.verify(token), DASHBOARD_SERVICE_CALLERS)
    return DashboardViewer(kind="service", caller=principal.caller, expires_at=principal.claims.get("exp"))


async def authorize_dashboard(
    token: str | None, *, settings: AnalyticsSettings, authenticator: ServiceAuthenticator | None
) -> DashboardViewer:
    """The viewer allowed by ``token`` (a bare token, no ``Bearer``), or raise.

    Raises :class:`~portfolio_shared.errors.AuthenticationFailed` (401) or
    :class:`~portfolio_shared.errors.Forbidden` (403 ``caller_not_allowed``).
    """
    if settings.analytics_dashboard_public:
        return PUBLIC_VIEWER
    if not token:
        raise AuthenticationFailed(
            "The dashboard needs a token from core (Authorization: Bearer <token>).",
            code=AuthCode.MISSING.value,
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    try:
        return _verify_dashboard_token(token, settings)
    except AuthenticationFailed as dashboard_error:
        if authenticator is None or dashboard_error.error_code not in _TRY_SERVICE_TOKEN:
            raise
    if authenticator.mode == "token":
        return _service_viewer(authenticator, token)
    # oidc verification may fetch Google's certificates: keep that off the event loop.
    return await run_in_threadpool(_service_viewer, authenticator, token)


async def require_dashboard(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> DashboardViewer:
    """FastAPI dependency: the dashboard access rule on the ``Authorization`` header."""
    settings: AnalyticsSettings = request.app.state.settings
    if settings.analytics_dashboard_public:
        return PUBLIC_VIEWER
    header = request.headers.get("authorization")
    token = bearer_token(header) if header is not None else None
    viewer = await authorize_dashboard(token, settings=settings, authenticator=get_authenticator(request))
    request.state.dashboard_viewer = viewer
    return viewer


DashboardDep = Annotated[DashboardViewer, Depends(require_dashboard)]
