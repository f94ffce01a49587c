"""``GET /api/internal/relevance-keywords/``: the owner's relevance keywords, for the scraper."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portfolio_shared.auth.drf import IsService, ServiceTokenAuthentication
from portfolio_shared.schemas import RelevanceKeywords
from scrapes import selectors


class RelevanceKeywordsView(APIView):
    """The keywords and weights edited in the admin; service auth (caller ``scraper``) only."""

    authentication_classes = [ServiceTokenAuthentication]
    permission_classes = [IsService.allowing("scraper")]

    @extend_schema(
        operation_id="relevance_keywords",
        description="Empty `keywords` when the owner has set none: the scraper then scores with its "
        "`INTEREST_KEYWORDS`.",
        responses={
            200: RelevanceKeywords,
            401: OpenApiResponse(description="Missing or invalid service token"),
            403: OpenApiResponse(description="The calling service may not read the keywords"),
        },
    )
    def get(self, request: Request) -> Response:
        return Response(selectors.relevance_keywords().model_dump(), headers={"Cache-Control": "no-store"})
