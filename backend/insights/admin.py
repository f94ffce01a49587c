"""The owner's read-only share links of the analytics dashboard: mint one (its URL is shown once, on
the page that follows), see when each was last used, revoke it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from insights import services
from insights.models import DashboardShareLink


@admin.register(DashboardShareLink)
class DashboardShareLinkAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("label", "status", "created_at", "expires_at", "last_used_at", "use_count", "created_by")
    list_filter = ("revoked_at", "expires_at")
    search_fields = ("label",)
    actions = ("revoke",)
    readonly_fields = ("status", "created_at", "created_by", "revoked_at", "last_used_at", "use_count")

    def get_fields(self, request: HttpRequest, obj: DashboardShareLink | None = None) -> Sequence[Any]:
        if obj is None:
            return ["label", "expires_at"]
        return ["label", "expires_at", *self.readonly_fields]

    @admin.display(description="status")
    def status(self, link: DashboardShareLink) -> str:
        return link.state()

    def save_model(
        self, request: HttpRequest, obj: DashboardShareLink, form: ModelForm, change: bool
    ) -> None:  # type: ignore[type-arg]
        if change:
            super().save_model(request, obj, form, change)
            return
        # Minted by the service: the token is made there, and only its hash is stored.
        link, token = services.mint_share_link(
            label=obj.label,
            expires_at=obj.expires_at,
            created_by=request.user,  # type: ignore[arg-type]
        )
        # The admin goes on with its own (unsaved) instance: make it the stored row.
        obj.__dict__.update(link.__dict__)
        request._minted_share_token = token  # type: ignore[attr-defined]  # read once by response_add

    def response_add(
        self, request: HttpRequest, obj: DashboardShareLink, post_url_continue: str | None = None
    ) -> HttpResponse:
        token: str | None = getattr(request, "_minted_share_token", None)
        if token is None:
            return super().response_add(request, obj, post_url_continue)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "link": obj,
            "share_url": services.share_url(token),
            "title": "Share link created",
            "token_seconds": services.SHARED_TOKEN_TTL,
        }
        # The URL is in this page only: core keeps the token's hash, so it cannot be shown again.
        # (Admin views are never cached: Django's admin adds no-store to every page.)
        return TemplateResponse(request, "admin/insights/dashboardsharelink/created.html", context)

    @admin.action(description="Revoke the selected share links")
    def revoke(self, request: HttpRequest, queryset: QuerySet[DashboardShareLink]) -> None:
        count = services.revoke_share_links(links=queryset)
        self.message_user(request, f"{count} share link(s) revoked.", messages.SUCCESS)
