"""Proxies of the scraper's and the analytics service's reads, and the dashboard token."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core_lib.ratelimit import FixedWindow, limit_key
from insights import selectors, services
from insights.api.permissions import DashboardAccess
from insights.api.serializers import (
    AnalyticsSummaryQuery,
    DashboardTokenSerializer,
    ScrapeStatusQuery,
    ShareTokenRequestSerializer,
)
from insights.selectors import ANALYTICS_SUMMARY_TTL, SCRAPE_STATUS_TTL
from portfolio_shared.schemas import AnalyticsSummary, ScrapeJob

_UPSTREAM_ERRORS = {
    502: OpenApiResponse(description="The upstream service failed (its envelope, or upstream_error)."),
    503: OpenApiResponse(
        description="The upstream service is down or did not answer in time "
        "(upstream_unreachable, upstream_timeout)."
    ),
}
_DASHBOARD_ERRORS = {
    401: OpenApiResponse(description="Not logged in (login_required), unless the dashboard is public."),
    403: OpenApiResponse(description="Logged in but not staff (staff_only)."),
}


class ScrapeStatusView(APIView):
    """The scraper's latest job (or ``?job_id=``) with per-source progress."""

    authentication_classes = []
    permission_classes = []

    @extend_schema(
        operation_id="papers_scrape_status",
        tags=["papers"],
        parameters=[ScrapeStatusQuery],
        responses={
            200: ScrapeJob,
            404: OpenApiResponse(description="No such job, or no job yet (the scraper's envelope)."),
            422: OpenApiResponse(description="job_id is not a valid id."),
            **_UPSTREAM_ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        query = ScrapeStatusQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        body = selectors.scrape_status(job_id=query.validated_data.get("job_id"))
        return Response(body, headers={"Cache-Control": f"public, max-age={SCRAPE_STATUS_TTL}"})


class AnalyticsSummaryView(APIView):
    """The analytics summary; visitors' data, so it is guarded like the dashboard it feeds."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [DashboardAccess]

    @extend_schema(
        operation_id="analytics_summary",
        tags=["analytics"],
        parameters=[AnalyticsSummaryQuery],
        responses={
            200: AnalyticsSummary,
            422: OpenApiResponse(
                description="The query is not a valid period, range or filter (core's check, or the "
                "analytics service's envelope: a range before its retention, a day in the future)."
            ),
            **_DASHBOARD_ERRORS,
            **_UPSTREAM_ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        query = AnalyticsSummaryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        body = selectors.analytics_summary(
            period=data.get("period"), start=data.get("from"), end=data.get("to"), filter_=data.get("filter")
        )
        return Response(body, headers={"Cache-Control": f"private, max-age={ANALYTICS_SUMMARY_TTL}"})


class DashboardTokenView(APIView):
    """A short-lived token for the analytics dashboard's REST reads and its Socket.IO connection:
    ``GET`` for staff (their session), or anyone when the dashboard is public; ``POST`` with an
    owner-minted share link's token, for anyone holding one (no login, no session read)."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [DashboardAccess]

    def _session_applies(self, method: str | None) -> bool:
        # A share link is the credential of a POST: the session (and its CSRF check) plays no part.
        # A method the view does not serve is answered 405 before any session or CSRF check.
        name = (method or "").lower()
        return name != "post" and name in self.http_method_names and hasattr(self, name)

    def get_permissions(self) -> Sequence[Any]:
        if not self._session_applies(self.request.method):
            return [AllowAny()]
        return super().get_permissions()

    def perform_authentication(self, request: Request) -> None:
        if self._session_applies(request.method):
            super().perform_authentication(request)

    @extend_schema(
        operation_id="analytics_token",
        description="A short-lived token for the analytics dashboard's REST reads and its Socket.IO "
        "connection.",
        tags=["analytics"],
        responses={200: DashboardTokenSerializer, **_DASHBOARD_ERRORS},
    )
    def get(self, request: Request) -> Response:
        return _token_response(services.issue_dashboard_token())

    @extend_schema(
        operation_id="analytics_share_token",
        tags=["analytics"],
        auth=[],
        request=ShareTokenRequestSerializer,
        description="A read-only dashboard token for the holder of a valid share link, with no login. "
        f"It lives {services.SHARED_TOKEN_TTL} s at most (never past the link's expiry).",
        responses={
            200: DashboardTokenSerializer,
            401: OpenApiResponse(description="The share token names no link (share_link_invalid)."),
            403: OpenApiResponse(
                description="The link was revoked (share_link_revoked) or has expired (share_link_expired)."
            ),
            422: OpenApiResponse(description="No share token, or one longer than 100 characters."),
            429: OpenApiResponse(description="Too many attempts from this client; see Retry-After."),
        },
    )
    def post(self, request: Request) -> Response:
        FixedWindow(
            "dashboard-share",
            int(settings.DASHBOARD_SHARE_RATE_LIMIT),
            int(settings.DASHBOARD_SHARE_RATE_WINDOW_SECONDS),
            message="Too many attempts with share links; try again shortly.",
        ).hit(limit_key(request))
        body = ShareTokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return _token_response(
            services.issue_shared_dashboard_token(share_token=body.validated_data["share"])
        )


def _token_response(token: services.DashboardToken) -> Response:
    body = DashboardTokenSerializer(
        {
            "token": token.token,
            "token_type": "Bearer",
            "audience": token.audience,
            "expires_in": token.expires_in,
            "expires_at": token.expires_at,
        }
    ).data
    return Response(body, headers={"Cache-Control": "no-store"})
