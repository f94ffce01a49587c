"""Reads of the portfolio content for the public API."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from content.models import JourneyEntry, Profile, Project, TechStack

#: ``ordering=`` values of the project list and the columns they sort by (ties: order, then slug).
PROJECT_ORDERINGS: dict[str, tuple[str, ...]] = {
    "order": ("order", "-created_at"),
    "-order": ("-order", "-created_at"),
    "created": ("created_at",),
    "-created": ("-created_at",),
    "title": ("title",),
    "-title": ("-title",),
}


def get_profile() -> Profile | None:
    return Profile.load()


def tech_stack(*, category: str | None = None) -> QuerySet[TechStack]:
    """The stack, by category then order; ``category`` matches case-insensitively."""
    techs = TechStack.objects.all()
    if category:
        techs = techs.filter(category__iexact=category)
    return techs.order_by("category", "order", "name")


def journey(*, kind: str | None = None) -> QuerySet[JourneyEntry]:
    entries = JourneyEntry.objects.all()
    if kind:
        entries = entries.filter(kind=kind)
    return entries.order_by("order", "-start", "pk")


def projects(
    *, featured: bool | None = None, technology: str | None = None, ordering: str = "order"
) -> QuerySet[Project]:
    """Projects with their technologies prefetched; ``technology`` is a TechStack slug or name."""
    qs = Project.objects.prefetch_related("technologies")
    if featured is not None:
        qs = qs.filter(featured=featured)
    if technology:
        tech_ids = TechStack.objects.filter(Q(slug=technology.lower()) | Q(name__iexact=technology)).values(
            "pk"
        )
        qs = qs.filter(technologies__in=tech_ids).distinct()
    return qs.order_by(*PROJECT_ORDERINGS[ordering], "slug")


def get_project(*, slug: str) -> Project | None:
    return Project.objects.prefetch_related("technologies").filter(slug=slug).first()
