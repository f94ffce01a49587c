"""Django REST framework glue: ``ServiceTokenAuthentication`` and the ``IsService`` permission.

Settings: ``SERVICE_AUTHENTICATOR`` is a :class:`ServiceAuthenticator`, a zero-argument callable
returning one (cache it: it is called per request), or the dotted path of either, e.g.
``SERVICE_AUTHENTICATOR = "portfolio_core.auth.service_authenticator"``. On a view::

    authentication_classes = [ServiceTokenAuthentication]   # first, so a failure answers 401
    permission_classes = [IsService.allowing("scraper")]

The exceptions raised are DRF's (so DRF answers 401 with ``WWW-Authenticate: Bearer`` and resets
``request.user``) and the shared ones at once (so ``portfolio_shared.errors.drf.exception_handler``
renders the envelope with the precise code, e.g. ``token_expired``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from rest_framework import exceptions as drf_exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from portfolio_shared.auth.authenticator import ServiceAuthenticator
from portfolio_shared.auth.principal import AuthCode, ServicePrincipal, auth_failed, check_caller
from portfolio_shared.errors import AuthenticationFailed, Forbidden, ServiceUnavailable


class ServiceAuthenticationFailed(drf_exceptions.AuthenticationFailed, AuthenticationFailed):
    """A 401 both DRF and the shared error handler understand."""

    def __init__(self, error: AuthenticationFailed) -> None:
        drf_exceptions.AuthenticationFailed.__init__(self, detail=error.message, code=error.error_code)
        AuthenticationFailed.__init__(
            self, error.message, code=error.error_code, details=error.details, headers=error.headers
        )


class ServiceNotAllowed(drf_exceptions.PermissionDenied, Forbidden):
    """A 403 (``caller_not_allowed``) both DRF and the shared error handler understand."""

    def __init__(self, error: Forbidden) -> None:
        drf_exceptions.PermissionDenied.__init__(self, detail=error.message, code=error.error_code)
        Forbidden.__init__(self, error.message, code=error.error_code, details=error.details)


class ServiceAuthUnavailable(drf_exceptions.APIException, ServiceUnavailable):
    """A 503 while verification is impossible (oidc certificates unreachable)."""

    status_code = 503

    def __init__(self, error: ServiceUnavailable) -> None:
        drf_exceptions.APIException.__init__(self, detail=error.message, code=error.error_code)
        ServiceUnavailable.__init__(self, error.message, code=error.error_code, headers=error.headers)


class ServiceUser:
    """The ``request.user`` of a service call: authenticated, not staff, no model permissions."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, principal: ServicePrincipal) -> None:
        self.principal = principal
        self.username = f"service:{principal.caller}"

    def get_username(self) -> str:
        return self.username

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def has_perms(self, perm_list: Collection[str], obj: object = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False

    def __str__(self) -> str:
        return self.username


def get_authenticator() -> ServiceAuthenticator:
    """The authenticator named by ``settings.SERVICE_AUTHENTICATOR`` (see the module docstring)."""
    configured: Any = getattr(settings, "SERVICE_AUTHENTICATOR", None)
    if isinstance(configured, str):
        try:
            configured = import_string(configured)
        except ImportError as exc:
            raise ImproperlyConfigured(f"SERVICE_AUTHENTICATOR {configured!r} cannot be imported") from exc
    if callable(configured) and not isinstance(configured, ServiceAuthenticator):
        configured = configured()
    if not isinstance(configured, ServiceAuthenticator):
        raise ImproperlyConfigured(
            "SERVICE_AUTHENTICATOR must be a ServiceAuthenticator, a callable returning one, "
            "or the dotted path of either"
        )
    return configured


class ServiceTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <service token>``; yields ``(ServiceUser, ServicePrincipal)``.

    A request without a bearer header is left to the other authentication classes (None).
    """

    def authenticate(self, request: Request) -> tuple[ServiceUser, ServicePrincipal] | None:
        header = request.META.get("HTTP_AUTHORIZATION")
        if not header or header.strip().split(" ", 1)[0].lower() != "bearer":
            return None
        try:
            principal = get_authenticator().authenticate(header)
        except AuthenticationFailed as exc:
            raise ServiceAuthenticationFailed(exc) from None
        except ServiceUnavailable as exc:
            raise ServiceAuthUnavailable(exc) from None
        return ServiceUser(principal), principal

    def authenticate_header(self, request: Request) -> str:
        # A value here makes DRF answer 401 (not 403) to unauthenticated requests.
        return "Bearer"


class IsService(BasePermission):
    """Only service calls; ``allowed_callers`` (None: any known service) narrows them.

    ``IsService.allowing("core", "scheduler")`` makes a subclass with those callers.
    """

    allowed_callers: ClassVar[Collection[str] | None] = None

    def has_permission(self, request: Request, view: object) -> bool:
        principal = request.auth
        if not isinstance(principal, ServicePrincipal):
            raise ServiceAuthenticationFailed(
                auth_failed(AuthCode.MISSING, "A service token is required (Authorization: Bearer <token>).")
            )
        try:
            check_caller(principal, self.allowed_callers)
        except Forbidden as exc:
            raise ServiceNotAllowed(exc) from None
        return True

    @classmethod
    def allowing(cls, *callers: str) -> type[IsService]:
        """A subclass that admits only ``callers``."""
        return type(f"IsService_{'_'.join(callers)}", (cls,), {"allowed_callers": frozenset(callers)})
