"""The owner's outbox view: the undelivered messages of core, the scraper and the document
processor (pending, failing with the last error, dead), each with "Retry now" and "Discard".

Core's own outbox is read with the shared SQL (``portfolio_shared.outbox.inspect``); the services'
through their ``/outbox/messages`` routes (``outbox.senders``). A service that is down is shown as a
message in its section, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from core_lib.admin_base import ReadOnlyAdmin
from outbox import senders
from outbox.models import OutboxMessage
from portfolio_shared.errors import PortfolioError, ServiceUnavailable
from portfolio_shared.schemas.outbox import OUTBOX_STATES, OutboxState


def _failure_text(label: str, exc: PortfolioError, doing: str) -> str:
    if isinstance(exc, ServiceUnavailable):
        return f"The {label} is unavailable, so {doing} did not happen: {exc.message}"
    return f"{label}: {doing} was refused ({exc.error_code}): {exc.message}"


@admin.register(OutboxMessage)
class OutboxAdmin(ReadOnlyAdmin):
    """No rows of its own: each section reads one sender's outbox."""

    def has_steer_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.steer_outbox")

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("", wrap(self.changelist_view), name=f"{name}_changelist"),
            path("<str:sender>/<path:msg_id>/retry/", wrap(self.retry_view), name=f"{name}_retry"),
            path("<str:sender>/<path:msg_id>/discard/", wrap(self.discard_view), name=f"{name}_discard"),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        raw = request.GET.get("state")
        state: OutboxState | None = next((s for s in OUTBOX_STATES if s == raw), None)
        sections = []
        for sender in senders.SENDERS.values():
            section: dict[str, Any] = {"sender": sender}
            try:
                section["page"] = senders.page(sender, state)
            except PortfolioError as exc:
                section["unavailable"] = _failure_text(sender.label, exc, "reading its outbox")
            sections.append(section)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Outbox messages not delivered yet",
            "sections": sections,
            "states": OUTBOX_STATES,
            "state": state,
            "can_steer": self.has_steer_permission(request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/outbox/outboxmessage/change_list.html", context)

    def _act(self, request: HttpRequest, sender_name: str, msg_id: str, action: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_steer_permission(request):
            raise PermissionDenied
        sender = senders.SENDERS.get(sender_name)
        if sender is None:
            raise Http404(f"No outbox {sender_name!r}.")
        try:
            if action == "retry":
                senders.retry(sender, msg_id)
                messages.success(request, f"{sender.label}: message {msg_id} will be delivered now.")
            else:
                senders.drop(sender, msg_id)
                messages.success(request, f"{sender.label}: message {msg_id} was discarded.")
        except PortfolioError as exc:
            doing = "the retry" if action == "retry" else "discarding it"
            messages.error(request, _failure_text(sender.label, exc, f"{doing} ({msg_id})"))
        back = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        return HttpResponseRedirect(f"{back}#outbox-{sender.name}")

    def retry_view(self, request: HttpRequest, sender: str, msg_id: str) -> HttpResponse:
        return self._act(request, sender, msg_id, "retry")

    def discard_view(self, request: HttpRequest, sender: str, msg_id: str) -> HttpResponse:
        return self._act(request, sender, msg_id, "discard")
