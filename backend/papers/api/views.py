"""HTTP views of the papers API; the logic is in ``papers.selectors`` and ``papers.services``."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from pydantic import BaseModel, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core_lib.renderers import FastJSONRenderer
from papers import facets, selectors, thumbnails
from papers.api.openapi import openapi30_schema
from papers.api.pagination import PaperPagination
from papers.api.serializers import (
    BULK_REQUEST_DESCRIPTION,
    PaperFacetsQuerySerializer,
    PaperFacetsSerializer,
    PaperFeedQuerySerializer,
    PaperListQuerySerializer,
    PapersBulkResultSerializer,
    PaperSerializer,
    SimilarPapersSerializer,
)
from papers.feeds import PapersAtomFeed
from papers.services import upsert_papers
from papers.similar import similar_papers
from papers.stored_json import PUBLIC_JSON
from portfolio_shared.auth.drf import IsService, ServiceTokenAuthentication
from portfolio_shared.errors import NotFound, PayloadTooLarge, ValidationFailed
from portfolio_shared.schemas import MAX_TITLE_LOOKUP, PapersBulk, PaperTitles, PaperTitlesRequest

_Model = TypeVar("_Model", bound=BaseModel)

#: A title lookup is 200 ids at most (a few KB); a body past this is refused before parsing.
MAX_TITLES_BODY_BYTES = 64 * 1024
#: A full batch of 2,000 papers is a few MB; this bound only stops a runaway body.
MAX_BULK_BODY_BYTES = 64 * 1024 * 1024
#: At most this many pydantic errors are echoed back.
MAX_REPORTED_ERRORS = 50


def error_responses(descriptions: dict[int, str]) -> dict[int, OpenApiResponse]:
    # config.openapi's postprocessing hook gives every error response the envelope as its body.
    return {status: OpenApiResponse(description=text) for status, text in descriptions.items()}


#: The list's filter parameters (PaperListQuerySerializer's fields).
LIST_FILTERS = frozenset(PaperListQuerySerializer().fields)


class PaperListView(ListAPIView):  # type: ignore[type-arg]
    serializer_class = PaperSerializer  # the schema's; pages are PaperSerializer's output built from rows
    pagination_class = PaperPagination
    # Pages of 50-200 papers with abstracts: each paper's JSON as Postgres stored it when the paper
    # was written (papers.stored_json), joined (selectors.PublicRows) and embedded as it is by orjson.
    renderer_classes = [FastJSONRenderer]
    # A public read: no authentication or throttle pass (the public-read limit is core_lib.ratelimit's
    # middleware), set here so that no settings default adds one to this hot path; AllowAny (no
    # query, and the schema's `security: [{}]` says that no credentials are needed).
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()

    @extend_schema(
        operation_id="papers_list",
        parameters=[PaperListQuerySerializer],
        responses={
            200: PaperSerializer(many=True),
            **error_responses({404: "No such page", 422: "A filter value does not validate"}),
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        filters = selectors.PaperFilters()
        if not LIST_FILTERS.isdisjoint(request.query_params):  # the first page of all: nothing to check
            query = PaperListQuerySerializer(data=request.query_params)
            query.is_valid(raise_exception=True)
            filters = query.to_filters()
        if filters.search.strip():
            results = selectors.paper_results(filters)
            ranked = results.ranked
            rows = (
                selectors.RankedRows(ranked, PUBLIC_JSON)
                if ranked is not None
                else selectors.PublicRows(results.papers, PUBLIC_JSON)  # nothing matched
            )
            total = results.total
        else:
            # A list without a search is the same SQL for the same filters: compiled once, and its
            # queryset built only to compile it (PublicRows).
            total_query = facets.stored_total_query(filters)
            rows = selectors.PublicRows(
                lambda: selectors.paper_list(filters), PUBLIC_JSON, key=filters, total=total_query
            )
            total = None
            if total_query is not None:
                requested = self.paginator.requested_slice(request)  # type: ignore[union-attr]  # a PaperPagination
                if requested is not None:
                    total = rows.read_with_total(requested)
        self.paginator.total = total  # type: ignore[union-attr]  # a PaperPagination
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(page.fragment)


class PaperFacetsView(APIView):
    renderer_classes = [FastJSONRenderer]

    @extend_schema(
        operation_id="papers_facets",
        parameters=[PaperFacetsQuerySerializer],
        description="Counts per topic, tag and source of the visible papers matching the same filters as "
        "the list. The unfiltered view and one topic, tag or source alone are precomputed; other "
        "combinations are counted live over a bounded number of matches (exact says whether all were).",
        responses={200: PaperFacetsSerializer, **error_responses({422: "A filter value does not validate"})},
    )
    def get(self, request: Request) -> Response:
        query = PaperFacetsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.to_filters()
        return Response(facets.paper_facets(filters).as_dict())


ARXIV_ID_PARAMETER = OpenApiParameter(
    "arxiv_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Version-less arXiv id, either style (2401.12345, hep-th/9901001); "
    "a version suffix (v2) is accepted and ignored.",
)


class ImageRenderer(BaseRenderer):
    """Lets an ``<img>``'s ``Accept: image/*`` through content negotiation (the view answers bytes)."""

    media_type = "image/*"
    format = "image"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        # Only an error body reaches a renderer: the image itself is an HttpResponse already.
        return json.dumps(data).encode()


class PaperThumbnailView(APIView):
    renderer_classes = [JSONRenderer, ImageRenderer]

    @extend_schema(
        operation_id="papers_thumbnail",
        parameters=[ARXIV_ID_PARAMETER],
        description="The paper's image, fetched once from Hugging Face (only from THUMBNAIL_UPSTREAM_URL), "
        "stored by core and served from here, so a visitor's browser never contacts the upstream.",
        responses={
            **{
                (200, kind): OpenApiResponse(OpenApiTypes.BINARY, description="The image")
                for kind in thumbnails.CONTENT_TYPES
            },
            304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag)"),
            **error_responses(
                {404: "No such paper, hidden, without a thumbnail, or the upstream could not provide it"}
            ),
        },
    )
    def get(self, request: Request, arxiv_id: str) -> HttpResponse:
        paper = selectors.visible_paper(arxiv_id)
        image = thumbnails.thumbnail(paper.thumbnail) if paper.thumbnail else None
        if image is None:
            raise NotFound(f"No thumbnail for {paper.arxiv_id}", code="thumbnail_not_found")
        etag = f'"{image.sha256}"'
        if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(image.data, content_type=image.content_type)
        response["ETag"] = etag
        response["Cache-Control"] = f"public, max-age={thumbnails.BROWSER_CACHE_SECONDS}"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


class PaperDetailView(APIView):
    @extend_schema(
        operation_id="papers_retrieve",
        parameters=[ARXIV_ID_PARAMETER],
        responses={200: PaperSerializer, **error_responses({404: "No such paper, or hidden"})},
    )
    def get(self, request: Request, arxiv_id: str) -> Response:
        return Response(PaperSerializer(selectors.visible_paper(arxiv_id)).data)


class PaperSimilarView(APIView):
    @extend_schema(
        operation_id="papers_similar",
        parameters=[
            OpenApiParameter(
                "arxiv_id",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="Version-less arXiv id, either style; a version suffix is ignored.",
            )
        ],
        responses={200: SimilarPapersSerializer, **error_responses({404: "No such paper, or hidden"})},
    )
    def get(self, request: Request, arxiv_id: str) -> Response:
        """Up to six visible papers nearest to this one by their indexed text's embedding."""
        return Response(similar_papers(arxiv_id).as_dict())


class AtomRenderer(BaseRenderer):
    """Lets a feed reader's ``Accept: application/atom+xml`` through content negotiation."""

    media_type = "application/atom+xml"
    format = "atom"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        # The feed itself is an HttpResponse already; only an error body reaches a renderer.
        return json.dumps(data).encode()


class PaperFeedView(APIView):
    renderer_classes = [JSONRenderer, AtomRenderer]

    @extend_schema(
        operation_id="papers_feed",
        parameters=[PaperFeedQuerySerializer],
        responses={
            (200, "application/atom+xml"): OpenApiResponse(
                OpenApiTypes.STR,
                description="Atom 1.0 feed of the best visible papers of the last 7 days, pinned first, "
                "then by relevance.",
            )
        },
    )
    def get(self, request: Request) -> HttpResponse:
        PaperFeedQuerySerializer(data=request.query_params).is_valid(raise_exception=True)
        return PapersAtomFeed()(request._request)


class PapersBulkView(APIView):
    """The scraper's bulk upsert; service auth (caller ``scraper``) only."""

    authentication_classes = [ServiceTokenAuthentication]
    permission_classes = [IsService.allowing("scraper")]
    parser_classes = []  # the raw body is validated by the shared pydantic schema in one pass

    @extend_schema(
        operation_id="papers_bulk_upsert",
        description="Upserts papers idempotently; see papers.merge for the merge rules. "
        + BULK_REQUEST_DESCRIPTION,
        request={"application/json": openapi30_schema(PapersBulk)},
        responses={
            200: PapersBulkResultSerializer,
            **error_responses(
                {
                    401: "Missing or invalid service token",
                    403: "The calling service may not upsert papers",
                    413: "Body too large (payload_too_large; details.max_bytes is the cap)",
                    422: "The body does not validate (more than 2,000 papers, a bad field, a duplicate id)",
                }
            ),
        },
    )
    def post(self, request: Request) -> Response:
        bulk = _parse_bulk(_read_body(request))
        return Response(upsert_papers(papers=bulk.papers).model_dump())


class PaperTitlesView(APIView):
    """Papers' titles by arXiv id, for the analytics dashboard; service auth (caller ``analytics``)."""

    authentication_classes = [ServiceTokenAuthentication]
    permission_classes = [IsService.allowing("analytics")]
    parser_classes = []  # the raw body is validated by the shared pydantic schema

    @extend_schema(
        operation_id="papers_titles",
        description=f"At most {MAX_TITLE_LOOKUP} version-less arXiv ids; the answer maps each id core "
        "holds (and shows the public) to its title, an unknown or hidden paper is absent.",
        request={"application/json": openapi30_schema(PaperTitlesRequest)},
        responses={
            200: PaperTitles,
            **error_responses(
                {
                    401: "Missing or invalid service token",
                    403: "The calling service may not read titles",
                    413: "Body too large (payload_too_large)",
                    422: f"The body does not validate (no id, more than {MAX_TITLE_LOOKUP}, a malformed id)",
                }
            ),
        },
    )
    def post(self, request: Request) -> Response:
        lookup = _parse(
            PaperTitlesRequest,
            _read_body(request, MAX_TITLES_BODY_BYTES),
            "The title lookup does not validate.",
        )
        titles = PaperTitles(titles=selectors.paper_titles(lookup.ids))
        return Response(titles.model_dump(), headers={"Cache-Control": "no-store"})


def _read_body(request: Request, max_bytes: int = MAX_BULK_BODY_BYTES) -> bytes:
    # Read the stream ourselves: Django's request.body stops at DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB),
    # less than a full batch.
    stream = request.stream
    body = stream.read(max_bytes + 1) if stream is not None else b""
    if len(body) > max_bytes:
        raise PayloadTooLarge(max_bytes=max_bytes)
    return body


def _parse(model: type[_Model], body: bytes, message: str) -> _Model:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise ValidationFailed(
            message,
            details={"errors": errors[:MAX_REPORTED_ERRORS], "error_count": len(errors)},
        ) from None


def _parse_bulk(body: bytes) -> PapersBulk:
    return _parse(PapersBulk, body, "The papers do not validate.")
