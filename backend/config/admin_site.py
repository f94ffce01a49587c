"""Core's admin site: Django's, with its login throttled against password guessing, "View site"
going to the public site (``SITE_URL``, the SPA; core itself serves no page at ``/``) and a link to
the live analytics dashboard there (``admin/base_site.html``).

Failed logins are counted per (username, client address) in the Django cache (Redis): after
``ADMIN_LOGIN_MAX_FAILURES`` failures within ``ADMIN_LOGIN_LOCKOUT_SECONDS`` that pair is refused
with 429 — even with the right password — until the window, which starts at the first failure,
ends. The address is the visitor's behind ``TRUSTED_PROXY_COUNT`` proxies
(``core_lib.ratelimit.limit_key``: an IPv6 address counts as its /64), so keying on the pair means a
guesser cannot lock the owner out from another network. A successful login clears the pair's count.
Redis being down (or silent) turns the throttle off, logged, rather than locking the owner out of
the admin.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from core_lib.ratelimit import limit_key

logger = logging.getLogger(__name__)

#: The SPA's route of the live analytics dashboard.
DASHBOARD_PATH = "/analytics"
LOCKOUT_MESSAGE = "Too many failed logins for this account from your address. Try again later."


def _key(request: HttpRequest) -> str:
    username = str(request.POST.get("username", "")).strip().lower()
    address = limit_key(request)
    # Hashed: usernames typed into the form are user input of any length and content.
    digest = hashlib.sha256(f"{username}\0{address}".encode()).hexdigest()
    return f"admin-login-failures:{digest}"


class PortfolioAdminSite(admin.AdminSite):
    site_header = "AI Platform Portfolio"
    site_title = "Portfolio admin"
    index_title = "Content, papers and documents"

    @property  # type: ignore[override]
    def site_url(self) -> str:
        """ "View site": the SPA, read per request so that tests may change ``SITE_URL``."""
        return f"{settings.SITE_URL}/"

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        return {**super().each_context(request), "dashboard_url": dashboard_url()}

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method != "POST":
            return super().login(request, extra_context)
        key = _key(request)
        window = settings.ADMIN_LOGIN_LOCKOUT_SECONDS
        if _failures(key) >= settings.ADMIN_LOGIN_MAX_FAILURES:
            return self._locked_out(request, window)
        response = super().login(request, extra_context)
        try:
            if request.user.is_authenticated and request.user.is_staff:
                cache.delete(key)
            else:
                _count_failure(key, window)
        except RedisError:
            logger.warning("admin login throttle unavailable; the attempt was not counted", exc_info=True)
        return response

    def _locked_out(self, request: HttpRequest, window: int) -> HttpResponse:
        # The usual login page, with a fresh form and the reason as a message.
        messages.error(request, LOCKOUT_MESSAGE)
        context = {
            **self.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
            "form": (self.login_form or AdminAuthenticationForm)(request),
            REDIRECT_FIELD_NAME: request.POST.get(REDIRECT_FIELD_NAME, ""),
        }
        response = TemplateResponse(request, self.login_template or "admin/login.html", context, status=429)
        response["Retry-After"] = str(window)
        return response


def dashboard_url() -> str:
    """The SPA's live analytics dashboard (its ``/analytics`` route, frontend/src/routes.tsx)."""
    return f"{settings.SITE_URL}{DASHBOARD_PATH}"


def _failures(key: str) -> int:
    try:
        return int(cache.get(key) or 0)
    except RedisError:
        logger.warning("admin login throttle unavailable; letting the attempt through", exc_info=True)
        return 0


def _count_failure(key: str, window: int) -> None:
    cache.add(key, 0, timeout=window)
    try:
        cache.incr(key)
    except ValueError:  # the window ended between add and incr: this failure starts a new one
        cache.set(key, 1, timeout=window)
