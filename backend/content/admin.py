"""The owner's editing screens for the portfolio content.

Saving or deleting here (one object, list-editable columns or the bulk "delete selected" action)
reaches the chatbot's index through the models' signals (``content.indexing``), in the admin's
own transaction.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from content.models import IndexRecord, JourneyEntry, Profile, Project, TechStack


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "headline", "location", "updated_at")
    search_fields = ("name", "headline", "bio")
    fieldsets = (
        (None, {"fields": ("name", "headline", "location", "photo")}),
        ("About", {"fields": ("bio", "links", "cv")}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One profile: once it exists, the owner edits it instead of adding another.
        return super().has_add_permission(request) and not Profile.objects.exists()


@admin.register(TechStack)
class TechStackAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "category", "proficiency", "order", "slug")
    list_editable = ("proficiency", "order")
    list_filter = ("category",)
    search_fields = ("name", "slug", "category")
    ordering = ("category", "order", "name")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(JourneyEntry)
class JourneyEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "organisation", "kind", "start", "end", "order")
    list_editable = ("order",)
    list_filter = ("kind",)
    search_fields = ("title", "organisation", "description")
    ordering = ("order", "-start")
    date_hierarchy = "start"


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "slug", "featured", "order", "updated_at")
    list_editable = ("featured", "order")
    list_filter = ("featured", "technologies")
    search_fields = ("title", "slug", "summary", "body")
    ordering = ("order", "-created_at")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("technologies",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title", "slug", "summary", "featured", "order")}),
        ("Page", {"fields": ("body", "image", "technologies")}),
        ("Links", {"fields": ("repository_url", "demo_url")}),
        ("Timestamps", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )


@admin.register(IndexRecord)
class IndexRecordAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: which documents core last sent to the chatbot's index, and when."""

    list_display = ("document_key", "owner", "updated_at")
    search_fields = ("document_key", "owner")
    readonly_fields = ("document_key", "owner", "sha256", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
