"""Proxies of the scraper's and the analytics service's reads, and the dashboard token."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from insights import selectors, services
from insights.api.permissions import DashboardAccess
from insights.api.serializers import AnalyticsSummaryQuery, DashboardTokenSerializer, ScrapeStatusQuery
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
            422: OpenApiResponse(description="period is not a valid period."),
            **_DASHBOARD_ERRORS,
            **_UPSTREAM_ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        query = AnalyticsSummaryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        body = selectors.analytics_summary(period=query.validated_data["period"])
        return Response(body, headers={"Cache-Control": f"private, max-age={ANALYTICS_SUMMARY_TTL}"})


class DashboardTokenView(APIView):
    """A short-lived token for the analytics dashboard's REST reads and its Socket.IO connection."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [DashboardAccess]

    @extend_schema(
        operation_id="analytics_token",
        tags=["analytics"],
        responses={200: DashboardTokenSerializer, **_DASHBOARD_ERRORS},
    )
    def get(self, request: Request) -> Response:
        token = services.issue_dashboard_token()
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
