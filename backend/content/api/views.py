"""Public reads of the portfolio content: HTTP in, selectors, serializers out."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from content import selectors
from content.api.serializers import (
    JourneyEntrySerializer,
    ProfileSerializer,
    ProjectDetailSerializer,
    ProjectListSerializer,
    TechStackSerializer,
)
from content.models import JourneyEntry, Project, TechStack
from core_lib.pagination import StandardPagination
from portfolio_shared.errors import NotFound, ValidationFailed

_NOT_FOUND = OpenApiResponse(description="Not found (error envelope)")
_INVALID = OpenApiResponse(description="A query parameter is invalid (error envelope)")
_NO_PAGE = OpenApiResponse(description="The page is out of range (error envelope)")
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


def _boolean(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    value = raw.strip().lower()
    if value in _TRUE | _FALSE:
        return value in _TRUE
    raise ValidationFailed(
        f"'{name}' must be true or false", code="invalid_parameter", details={"parameter": name, "value": raw}
    )


def _choice(request: Request, name: str, allowed: list[str], default: str | None = None) -> str | None:
    # Present but empty (``?kind=``) is not one of the choices: refused, as the schema's enum says.
    value = request.query_params.get(name, default)
    if value is not None and value not in allowed:
        raise ValidationFailed(
            f"'{name}' must be one of: {', '.join(allowed)}",
            code="invalid_parameter",
            details={"parameter": name, "value": value, "allowed": allowed},
        )
    return value


def _text(request: Request, name: str) -> str | None:
    """A free-text filter; blank is no filter. NUL cannot be in any stored text: refused."""
    raw = request.query_params.get(name)
    if raw is not None and "\x00" in raw:
        raise ValidationFailed(
            f"'{name}' may not contain NUL", code="invalid_parameter", details={"parameter": name}
        )
    return (raw or "").strip() or None


class ProfileView(APIView):
    """The owner's profile."""

    @extend_schema(operation_id="profile_retrieve", responses={200: ProfileSerializer, 404: _NOT_FOUND})
    def get(self, request: Request) -> Response:
        profile = selectors.get_profile()
        if profile is None:
            raise NotFound("No profile has been written yet.")
        return Response(ProfileSerializer(profile, context={"request": request}).data)


class TechStackListView(generics.ListAPIView):  # type: ignore[type-arg]
    """The tech stack as a flat list, by category then order; the SPA groups by ``category``."""

    serializer_class = TechStackSerializer
    pagination_class = StandardPagination

    def get_queryset(self) -> QuerySet[TechStack]:
        return selectors.tech_stack(category=_text(self.request, "category"))

    @extend_schema(
        parameters=[
            OpenApiParameter("category", OpenApiTypes.STR, description="Only this category (any case).")
        ],
        responses={200: TechStackSerializer(many=True), 404: _NO_PAGE, 422: _INVALID},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class JourneyListView(generics.ListAPIView):  # type: ignore[type-arg]
    """The owner's journey (work, education, milestones), by ``order`` then most recent start."""

    serializer_class = JourneyEntrySerializer
    pagination_class = StandardPagination

    def get_queryset(self) -> QuerySet[JourneyEntry]:
        kind = _choice(self.request, "kind", list(JourneyEntry.Kind.values))
        return selectors.journey(kind=kind)

    @extend_schema(
        parameters=[OpenApiParameter("kind", OpenApiTypes.STR, enum=list(JourneyEntry.Kind.values))],
        responses={200: JourneyEntrySerializer(many=True), 404: _NO_PAGE, 422: _INVALID},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ProjectListView(generics.ListAPIView):  # type: ignore[type-arg]
    """Projects, filterable by ``featured`` and ``technology``, ordered by ``ordering``."""

    serializer_class = ProjectListSerializer
    pagination_class = StandardPagination

    def get_queryset(self) -> QuerySet[Project]:
        ordering = _choice(self.request, "ordering", list(selectors.PROJECT_ORDERINGS), default="order")
        return selectors.projects(
            featured=_boolean(self.request, "featured"),
            technology=_text(self.request, "technology"),
            ordering=ordering or "order",
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "featured", OpenApiTypes.BOOL, description="Only featured (true) or other (false)."
            ),
            OpenApiParameter("technology", OpenApiTypes.STR, description="A tech stack item's slug or name."),
            OpenApiParameter(
                "ordering",
                OpenApiTypes.STR,
                enum=list(selectors.PROJECT_ORDERINGS),
                description="Default `order` (the owner's order, newest first within it).",
            ),
        ],
        responses={200: ProjectListSerializer(many=True), 404: _NO_PAGE, 422: _INVALID},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ProjectDetailView(APIView):
    """One project with its Markdown body rendered."""

    @extend_schema(
        operation_id="projects_retrieve", responses={200: ProjectDetailSerializer, 404: _NOT_FOUND}
    )
    def get(self, request: Request, slug: str) -> Response:
        project = selectors.get_project(slug=slug)
        if project is None:
            raise NotFound(f"No project '{slug}'.", details={"slug": slug})
        return Response(ProjectDetailSerializer(project, context={"request": request}).data)
