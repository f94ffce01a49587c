"""Admin for the owner: curate papers (pin, hide) and read the scraper-job mirrors."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts import sample_data
from papers import cache, indexing
from papers.models import Paper, ScrapeJob


class _ArrayValueFilter(admin.SimpleListFilter):
    """Filter on one value of a text[] column; the choices are the values present."""

    field = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        with connection.cursor() as cursor:
            # The field name is a class constant, never user input.
            cursor.execute(
                f"SELECT DISTINCT v FROM papers_paper, unnest({self.field}) AS v ORDER BY v LIMIT 200"  # noqa: S608
            )
            return [(value, value) for (value,) in cursor.fetchall()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Paper]) -> QuerySet[Paper]:
        value = self.value()
        return queryset.filter(**{f"{self.field}__contains": [value]}) if value else queryset


class TopicFilter(_ArrayValueFilter):
    title = "topic"
    parameter_name = "topic"
    field = "topics"


class SourceFilter(_ArrayValueFilter):
    title = "source"
    parameter_name = "source"
    field = "sources"


class CategoryFilter(_ArrayValueFilter):
    title = "category"
    parameter_name = "category"
    field = "categories"


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "arxiv_id",
        "title",
        "primary_category",
        "relevance",
        "published",
        "pinned",
        "hidden",
        "sample",
    )
    list_display_links = ("arxiv_id", "title")
    list_editable = ("pinned", "hidden")
    list_filter = ("pinned", "hidden", "sample", TopicFilter, CategoryFilter, SourceFilter)
    search_fields = ("=arxiv_id", "title", "authors__icontains")
    ordering = ("-pinned", "-relevance", "-id")
    date_hierarchy = "published"
    list_per_page = 50
    actions = ("pin", "unpin", "hide", "unhide", "remove_sample_data")
    # Everything but the owner's flags comes from the scraper and would be merged over by the next upsert.
    readonly_fields = tuple(
        f.name
        for f in Paper._meta.concrete_fields
        if f.name not in {"id", "pinned", "hidden", "search_vector"}
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Paper]:
        return super().get_queryset(request).defer("search_vector")

    @transaction.atomic
    def _flag(self, request: HttpRequest, queryset: QuerySet[Paper], **flags: bool) -> None:
        arxiv_ids = list(queryset.values_list("arxiv_id", flat=True))
        count = queryset.update(**flags)
        cache.invalidate()  # update() sends no post_save
        if "hidden" in flags:  # a hidden paper leaves the chatbot's index; unhidden, it comes back
            indexing.sync_arxiv_ids(arxiv_ids)
        what = ", ".join(f"{name}={value}" for name, value in flags.items())
        self.message_user(request, f"{count} paper(s) set {what}.", messages.SUCCESS)

    @admin.action(description="Pin the selected papers")
    def pin(self, request: HttpRequest, queryset: QuerySet[Paper]) -> None:
        self._flag(request, queryset, pinned=True)

    @admin.action(description="Unpin the selected papers")
    def unpin(self, request: HttpRequest, queryset: QuerySet[Paper]) -> None:
        self._flag(request, queryset, pinned=False)

    @admin.action(description="Hide the selected papers")
    def hide(self, request: HttpRequest, queryset: QuerySet[Paper]) -> None:
        self._flag(request, queryset, hidden=True)

    @admin.action(description="Unhide the selected papers")
    def unhide(self, request: HttpRequest, queryset: QuerySet[Paper]) -> None:
        self._flag(request, queryset, hidden=False)

    @admin.action(
        description="Remove ALL sample data (sample papers, the sample PDF, the sample traffic)",
        permissions=["delete"],
    )
    def remove_sample_data(self, request: HttpRequest, queryset: QuerySet[Paper]) -> None:
        # The whole sample set goes, whichever rows are selected: it is loaded and removed as one.
        report = sample_data.remove_sample_data()
        for line in report.done:
            self.message_user(request, line, messages.SUCCESS)
        for line in report.failed:
            self.message_user(request, f"Not removed: {line}", messages.ERROR)


@admin.register(ScrapeJob)
class ScraperJobAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: the scraper owns these jobs; the mirror only follows its webhooks."""

    list_display = ("job_id", "source", "state", "started_at", "finished_at", "last_webhook_at")
    list_filter = ("state", "source")
    search_fields = ("=job_id",)
    ordering = ("-finished_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ScrapeJob | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ScrapeJob | None = None) -> bool:
        return False
