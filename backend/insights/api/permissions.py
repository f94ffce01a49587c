from __future__ import annotations

from django.conf import settings
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from portfolio_shared.errors import Forbidden, Unauthorized


class DashboardAccess(BasePermission):
    """Logged-in staff (Django session), or anyone when ``ANALYTICS_DASHBOARD_PUBLIC`` is true."""

    def has_permission(self, request: Request, view: object) -> bool:
        if settings.ANALYTICS_DASHBOARD_PUBLIC:
            return True
        user = request.user
        if user is None or not user.is_authenticated:
            raise Unauthorized("Log in as staff to see the analytics dashboard.", code="login_required")
        if not user.is_staff:
            raise Forbidden("Only staff may see the analytics dashboard.", code="staff_only")
        return True
