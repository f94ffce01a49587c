"""The owner's scraping cockpit: start a scrape, watch the scraper's jobs live (running ones
included), re-run a failed source, and edit the relevance keywords the scraper scores with.

The jobs are read from the scraper's API at each page view (``scrapes.scraper``), not mirrored:
``papers.ScrapeJob`` keeps the finished ones core was told about. A small script
(``scrapes/live.js``) polls the admin's JSON views of the same reads and updates the page while a
job runs. A scraper that is down or refuses is shown as a message, never a 500.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from core_lib.admin_base import ReadOnlyAdmin
from portfolio_shared.errors import NotFound, PortfolioError, ServiceUnavailable
from portfolio_shared.schemas import JobState
from scrapes import scraper
from scrapes.forms import SOURCE_LABELS, RerunForm, ScrapeNowForm
from scrapes.models import LiveScrapeJob, RelevanceKeyword

STATES: tuple[JobState, ...] = ("queued", "running", "succeeded", "partial", "failed")


@admin.register(RelevanceKeyword)
class RelevanceKeywordAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("term", "weight", "updated_at")
    list_editable = ("weight",)
    search_fields = ("term",)
    fields = ("term", "weight")
    change_list_template = "admin/scrapes/relevancekeyword/change_list.html"


def _failure_text(exc: PortfolioError, doing: str) -> str:
    if isinstance(exc, ServiceUnavailable):
        return f"The scraper is unavailable, so {doing} did not happen: {exc.message}"
    return f"The scraper refused {doing} ({exc.error_code}): {exc.message}"


def _error_json(exc: PortfolioError) -> JsonResponse:
    return JsonResponse(exc.to_envelope(), status=exc.status)


@admin.register(LiveScrapeJob)
class LiveScrapeJobAdmin(ReadOnlyAdmin):
    """No rows of its own: every view reads the scraper."""

    def has_start_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.start_scrape")

    # -- URLs ---------------------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("", wrap(self.changelist_view), name=f"{name}_changelist"),
            path("jobs.json", wrap(self.jobs_json_view), name=f"{name}_jobs_json"),
            path("scrape-now/", wrap(self.scrape_now_view), name=f"{name}_scrape_now"),
            path("<uuid:job_id>/", wrap(self.job_view), name=f"{name}_job"),
            path("<uuid:job_id>/status.json", wrap(self.job_json_view), name=f"{name}_job_json"),
            path("<uuid:job_id>/rerun/", wrap(self.rerun_view), name=f"{name}_rerun"),
        ]

    def _url(self, view: str, *args: Any) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}", args=args)

    # -- views --------------------------------------------------------------------------------------

    def changelist_view(
        self,
        request: HttpRequest,
        extra_context: dict[str, Any] | None = None,
        form: ScrapeNowForm | None = None,
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        page, state = self._page_query(request)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Scrape jobs, live from the scraper",
            "form": form or ScrapeNowForm(),
            "can_start": self.has_start_permission(request),
            "states": STATES,
            "state": state,
            "page": page,
            "jobs": [],
            "live_url": f"{self._url('jobs_json')}?{request.GET.urlencode()}",
            "labels": SOURCE_LABELS,
            **(extra_context or {}),
        }
        try:
            history = scraper.jobs(page=page, state=state)
        except PortfolioError as exc:
            context["unavailable"] = _failure_text(exc, "reading the jobs")
        else:
            context.update(
                jobs=history.results,
                count=history.count,
                previous_page=page - 1 if page > 1 else None,
                next_page=page + 1 if page * scraper.PAGE_SIZE < history.count else None,
            )
        return TemplateResponse(request, "admin/scrapes/livescrapejob/change_list.html", context)

    def jobs_json_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        page, state = self._page_query(request)
        try:
            history = scraper.jobs(page=page, state=state)
        except PortfolioError as exc:
            return _error_json(exc)
        return JsonResponse(history.model_dump(mode="json"), headers={"Cache-Control": "no-store"})

    def scrape_now_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_start_permission(request):
            raise PermissionDenied
        form = ScrapeNowForm(request.POST)
        if not form.is_valid():
            return self.changelist_view(request, form=form)
        source, days = form.cleaned_data["source"], form.cleaned_data["days"]
        try:
            accepted = scraper.start_scrape(source=source, days=days)
        except PortfolioError as exc:
            messages.error(request, _failure_text(exc, "the scrape"))
            return HttpResponseRedirect(self._url("changelist"))
        messages.success(
            request, f"The scraper started job {accepted.job_id}: {SOURCE_LABELS[source]}, {days} day(s)."
        )
        return HttpResponseRedirect(self._url("job", accepted.job_id))

    def job_view(self, request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Scrape job {job_id}",
            "can_start": self.has_start_permission(request),
            "live_url": self._url("job_json", job_id),
            "labels": SOURCE_LABELS,
        }
        try:
            context["job"] = scraper.job(str(job_id))
        except NotFound:
            messages.warning(request, f"The scraper has no job {job_id}.")
            return HttpResponseRedirect(self._url("changelist"))
        except PortfolioError as exc:
            context["unavailable"] = _failure_text(exc, "reading the job")
        return TemplateResponse(request, "admin/scrapes/livescrapejob/job.html", context)

    def job_json_view(self, request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            job = scraper.job(str(job_id))
        except PortfolioError as exc:
            return _error_json(exc)
        return JsonResponse(job.model_dump(mode="json"), headers={"Cache-Control": "no-store"})

    def rerun_view(self, request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_start_permission(request):
            raise PermissionDenied
        form = RerunForm(request.POST)
        if not form.is_valid():
            messages.error(request, f"Not a source to re-run: {request.POST.get('source', '')!r}.")
            return HttpResponseRedirect(self._url("job", job_id))
        source = form.cleaned_data["source"]
        try:
            accepted = scraper.rerun_source(job_id=str(job_id), source=source)
        except PortfolioError as exc:
            messages.error(request, _failure_text(exc, f"re-running {SOURCE_LABELS[source]}"))
            return HttpResponseRedirect(self._url("job", job_id))
        messages.success(
            request, f"Re-running {SOURCE_LABELS[source]} of job {job_id}: job {accepted.job_id}."
        )
        return HttpResponseRedirect(self._url("job", accepted.job_id))

    # -- helpers ------------------------------------------------------------------------------------

    @staticmethod
    def _page_query(request: HttpRequest) -> tuple[int, JobState | None]:
        """``?page=`` and ``?state=``; anything else than a page number or a state shows page 1 of all."""
        raw_page = request.GET.get("page", "1")
        page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 100_000 else 1
        state = request.GET.get("state")
        return page, next((s for s in STATES if s == state), None)
