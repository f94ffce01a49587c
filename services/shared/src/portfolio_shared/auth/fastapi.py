"""FastAPI glue: ``require_service(...)`` as a dependency, shown in OpenAPI as a bearer scheme.

Wiring, once per app::

    app.state.service_authenticator = authenticator_from_settings(get_settings())

(or ``app.dependency_overrides[get_authenticator] = ...`` in tests). On a route::

    @router.post("/scrape", responses=SERVICE_AUTH_RESPONSES)
    def scrape(caller: Annotated[ServicePrincipal, Depends(require_service("core", "scheduler"))]): ...

Failures raise the shared exceptions; the app's shared error handlers render the envelope.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from portfolio_shared.auth.authenticator import ServiceAuthenticator
from portfolio_shared.auth.principal import ServicePrincipal
from portfolio_shared.errors import ErrorEnvelope

# auto_error=False: the dependency below raises our own codes; this object exists for the OpenAPI scheme.
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ServiceToken",
    bearerFormat="JWT",
    description="A service token (EdDSA or ES256 JWT in token mode, Google ID token in oidc mode).",
)

#: The attribute :func:`require_service` leaves on its dependency: the allowed callers (None: any).
#: ``BodyGuardMiddleware`` (:mod:`portfolio_shared.fastapi_app`) finds protected routes by it and
#: authenticates them before their body is read.
SERVICE_CALLERS_ATTR = "service_callers"

#: ``responses=`` for routes behind :func:`require_service`, so OpenAPI documents the envelope.
SERVICE_AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope, "description": "Missing or invalid service token."},
    403: {"model": ErrorEnvelope, "description": "This calling service is not allowed here."},
}


def get_authenticator(request: Request) -> ServiceAuthenticator:
    """The app's authenticator, from ``app.state.service_authenticator``; override it in tests."""
    authenticator = getattr(request.app.state, "service_authenticator", None)
    if not isinstance(authenticator, ServiceAuthenticator):
        raise RuntimeError(
            "no service authenticator: set app.state.service_authenticator = authenticator_from_settings(...)"
        )
    return authenticator


def require_service(*allowed_callers: str) -> Callable[..., ServicePrincipal]:
    """A dependency returning the calling :class:`ServicePrincipal`; any known caller if none are named.

    The principal is also left on ``request.state.service_principal`` for logging. A request whose
    body ``BodyGuardMiddleware`` authenticated before reading it is not verified a second time.
    """
    allowed = frozenset(allowed_callers) or None

    # Sync on purpose: FastAPI runs it in a thread, so an oidc certificate fetch never blocks the loop.
    def dependency(
        request: Request,
        authenticator: Annotated[ServiceAuthenticator, Depends(get_authenticator)],
        _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ServicePrincipal:
        principal: ServicePrincipal | None = getattr(request.state, "service_principal", None)
        if principal is None:
            principal = authenticator.authenticate(request.headers.get("authorization"), allowed=allowed)
            request.state.service_principal = principal
        return principal

    setattr(dependency, SERVICE_CALLERS_ATTR, allowed)
    return dependency
