"""The owner's admin of the document mirrors: browse them, send PDFs and READMEs, follow the jobs;
delete a document from the index or process it again; "Ask the index" what the chatbot would read.

Both models are read-only mirrors of the document processor. A ``ProcessingJob`` row is created
from the processor's 202 answer and refreshed from ``GET /process/status/{id}``; the webhook brings
the final outcome. A processor that is down or refuses the work is reported as a message, never a 500.
"""

from __future__ import annotations

import json
from typing import Any

from chatbot import retrieval
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from content.models import IndexRecord
from core_lib.admin_base import ReadOnlyAdmin
from documents import processor, services
from documents.forms import AskIndexForm, GithubRepoForm, PdfUploadForm
from documents.models import Document, ProcessingJob
from portfolio_shared.clients import Submitted
from portfolio_shared.errors import PortfolioError, ServiceUnavailable
from portfolio_shared.schemas import JobAccepted

#: The bulk refresh action asks about at most this many jobs per click (each is one upstream call).
MAX_BULK_REFRESH = 20


def _pretty_json(value: Any) -> str:
    if value in (None, {}, []):
        return "—"
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


def _report_upstream_failure(request: HttpRequest, exc: PortfolioError, doing: str) -> None:
    if isinstance(exc, ServiceUnavailable):
        text = (
            f"The document processor is unavailable, so {doing} did not happen: {exc.message} "
            "Try again later."
        )
    else:
        text = f"The document processor refused {doing} ({exc.error_code}): {exc.message}"
    messages.error(request, text)


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = (
        "document_key",
        "title",
        "source_type",
        "state",
        "pages",
        "chunks",
        "characters",
        "last_processed_at",
    )
    list_filter = ("state", "source_type", "last_processed_at")
    search_fields = ("document_key", "title", "summary", "source_url", "document_id", "content_sha256")
    date_hierarchy = "last_processed_at"
    fields = (
        "document_key",
        "document_id",
        "title",
        "source_type",
        "source_url",
        "state",
        "error_display",
        "pages",
        "chunks",
        "characters",
        "summary",
        "content_sha256",
        "jobs",
        "last_job_id",
        "last_processed_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    actions = ["reprocess_selected", "delete_from_index_selected"]
    change_list_template = "admin/documents/document/change_list.html"
    change_form_template = "admin/documents/document/change_form.html"

    @admin.display(description="error")
    def error_display(self, obj: Document) -> str:
        return _pretty_json(obj.error)

    # -- permissions --------------------------------------------------------------------------------

    def has_reprocess_permission(self, request: HttpRequest) -> bool:
        """Processing again creates a job: the jobs' add permission, as for uploads."""
        return request.user.has_perm(f"{self.opts.app_label}.add_processingjob")

    def has_delete_from_index_permission(self, request: HttpRequest) -> bool:
        # The mirror's own delete permission; Django's delete view stays off (it would keep the chunks).
        return request.user.has_perm(f"{self.opts.app_label}.delete_{self.opts.model_name}")

    # -- URLs and views -----------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        custom = [
            path("ask/", wrap(self.ask_view), name=f"{name}_ask"),
            path("<path:object_id>/reprocess/", wrap(self.reprocess_view), name=f"{name}_reprocess"),
            path(
                "<path:object_id>/delete-from-index/",
                wrap(self.delete_from_index_view),
                name=f"{name}_delete_from_index",
            ),
        ]
        return custom + super().get_urls()

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra = {
            "can_reprocess": self.has_reprocess_permission(request),
            "can_delete_from_index": self.has_delete_from_index_permission(request),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def ask_view(self, request: HttpRequest) -> HttpResponse:
        """The chatbot's own retrieval for a question: the passages, their scores and pages."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = AskIndexForm(request.GET if "question" in request.GET else None)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Ask the index",
            "form": form,
        }
        if form.is_bound and form.is_valid():
            question = form.cleaned_data["question"]
            try:
                passages = retrieval.retrieve(question, paper_id=form.cleaned_data["paper_id"] or None)
            except PortfolioError as exc:
                if isinstance(exc, ServiceUnavailable):
                    context["unavailable"] = f"The document processor is unavailable: {exc.message}"
                else:
                    context["unavailable"] = f"The search was refused ({exc.error_code}): {exc.message}"
            else:
                context.update(asked=True, question=question, passages=passages)
        return TemplateResponse(request, "admin/documents/document/ask.html", context)

    def reprocess_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_reprocess_permission(request):
            raise PermissionDenied
        document = self.get_object(request, unquote(object_id))
        if document is None:
            messages.warning(request, f"There is no document with id {object_id!r}.")
            return HttpResponseRedirect(reverse("admin:documents_document_changelist"))
        job = self._reprocess(request, document)
        if job is None:
            return HttpResponseRedirect(reverse("admin:documents_document_change", args=[document.pk]))
        return HttpResponseRedirect(reverse("admin:documents_processingjob_change", args=[job.pk]))

    def delete_from_index_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_delete_from_index_permission(request):
            raise PermissionDenied
        document = self.get_object(request, unquote(object_id))
        if document is None:
            messages.warning(request, f"There is no document with id {object_id!r}.")
        elif not self._delete_from_index(request, document):
            return HttpResponseRedirect(reverse("admin:documents_document_change", args=[document.pk]))
        return HttpResponseRedirect(reverse("admin:documents_document_changelist"))

    @admin.action(description="Process the selected documents again", permissions=["reprocess"])
    def reprocess_selected(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        for document in queryset[:MAX_BULK_REFRESH]:
            self._reprocess(request, document)

    @admin.action(
        description="Delete the selected documents from the index", permissions=["delete_from_index"]
    )
    def delete_from_index_selected(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        for document in queryset[:MAX_BULK_REFRESH]:
            if not self._delete_from_index(request, document):
                break

    # -- helpers ------------------------------------------------------------------------------------

    def _reprocess(self, request: HttpRequest, document: Document) -> ProcessingJob | None:
        try:
            accepted = processor.reprocess_document(document.document_key)
        except PortfolioError as exc:
            _report_upstream_failure(request, exc, f"processing {document.document_key} again")
            return None
        job = services.record_submitted_job(
            job_id=accepted.job_id,
            source_type=document.source_type,
            source_name=document.title or document.document_key,
            document_key=document.document_key,
            status_url=accepted.status_url,
            requested_by=request.user,  # type: ignore[arg-type]
        )
        messages.success(request, f"Processing {document.document_key} again: job {job.job_id}.")
        return job

    def _delete_from_index(self, request: HttpRequest, document: Document) -> bool:
        """Delete ``document``'s chunks in the processor (Chroma and keywords), then the mirror row."""
        try:
            processor.delete_document(document.document_key)
        except PortfolioError as exc:
            _report_upstream_failure(request, exc, f"deleting {document.document_key}")
            return False
        key = document.document_key
        with transaction.atomic():
            document.delete()
            # Core no longer holds it as sent: the content or paper it came from, saved again even
            # unchanged, indexes it again (content.indexing skips only what it knows was sent).
            IndexRecord.objects.filter(document_key=key).delete()
        messages.success(
            request,
            f"{key} is deleted from the index: the chatbot no longer finds it. Content it came from "
            "(a project, the profile, a paper) puts it back when saved again.",
        )
        return True

    @admin.display(description="processing jobs")
    def jobs(self, obj: Document) -> str:
        url = reverse("admin:documents_processingjob_changelist")
        return format_html(
            '<a href="{}?{}">Jobs of this document</a>', url, urlencode({"document_key": obj.document_key})
        )


@admin.register(ProcessingJob)
class ProcessingJobAdmin(ReadOnlyAdmin):
    list_display = (
        "job_id",
        "source_type",
        "source_name",
        "state",
        "progress_bar",
        "document_key",
        "requested_by",
        "created_at",
    )
    list_filter = ("state", "source_type", "created_at")
    search_fields = ("job_id", "document_key", "source_name", "source_url")
    date_hierarchy = "created_at"
    list_select_related = ("requested_by",)
    fields = (
        "job_id",
        "source_type",
        "source_name",
        "source_url",
        "document_key",
        "document_link",
        "state",
        "progress_bar",
        "result_display",
        "error_display",
        "status_url",
        "requested_by",
        "created_at",
        "updated_at",
        "checked_at",
        "last_event_at",
    )
    readonly_fields = fields
    actions = ["refresh_selected"]
    change_list_template = "admin/documents/processingjob/change_list.html"
    change_form_template = "admin/documents/processingjob/change_form.html"

    # -- display ------------------------------------------------------------------------------------

    @admin.display(description="progress")
    def progress_bar(self, obj: ProcessingJob) -> str:
        return format_html('<progress max="100" value="{0}"></progress> {0}%', obj.progress)

    @admin.display(description="result")
    def result_display(self, obj: ProcessingJob) -> str:
        return _pretty_json(obj.result)

    @admin.display(description="error")
    def error_display(self, obj: ProcessingJob) -> str:
        return _pretty_json(obj.error)

    @admin.display(description="document")
    def document_link(self, obj: ProcessingJob) -> str:
        document = (
            Document.objects.filter(document_key=obj.document_key).first() if obj.document_key else None
        )
        if document is None:
            return "—"
        url = reverse("admin:documents_document_change", args=[document.pk])
        return format_html('<a href="{}">{}</a>', url, document)

    # -- permissions --------------------------------------------------------------------------------

    def can_submit(self, request: HttpRequest) -> bool:
        """Sending work to the processor creates job rows: the model's add permission."""
        return request.user.has_perm(f"{self.opts.app_label}.add_{self.opts.model_name}")

    def has_refresh_permission(self, request: HttpRequest) -> bool:
        # Refreshing only re-reads the processor's truth into the mirror.
        return self.has_view_permission(request)

    # -- URLs and views -----------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        custom = [
            path("upload-pdf/", wrap(self.upload_pdf_view), name=f"{name}_upload_pdf"),
            path("process-github/", wrap(self.process_github_view), name=f"{name}_process_github"),
            path("<path:object_id>/refresh/", wrap(self.refresh_view), name=f"{name}_refresh"),
        ]
        return custom + super().get_urls()

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = {"can_submit": self.can_submit(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def upload_pdf_view(self, request: HttpRequest) -> HttpResponse:
        if not self.can_submit(request):
            raise PermissionDenied
        form = PdfUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            key = form.cleaned_data["document_key"] or None
            try:
                submitted = processor.submit_pdf_upload(
                    filename=upload.name,
                    content=upload.read(),
                    document_key=key,
                    title=form.cleaned_data["title"] or None,
                )
            except PortfolioError as exc:
                _report_upstream_failure(request, exc, "the upload")
            else:
                return self._submitted(
                    request, submitted, source_type="pdf", source_name=upload.name, key=key
                )
        return self._form_page(request, form, title="Upload a PDF to the document processor", multipart=True)

    def process_github_view(self, request: HttpRequest) -> HttpResponse:
        if not self.can_submit(request):
            raise PermissionDenied
        form = GithubRepoForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            repo = form.cleaned_data["repo"]
            key = form.cleaned_data["document_key"] or None
            try:
                submitted = processor.submit_github(repo=repo, document_key=key)
            except PortfolioError as exc:
                _report_upstream_failure(request, exc, "processing the repository")
            else:
                return self._submitted(request, submitted, source_type="github", source_name=repo, key=key)
        return self._form_page(request, form, title="Process a repository README")

    def refresh_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_refresh_permission(request):
            raise PermissionDenied
        job = self.get_object(request, unquote(object_id))
        if job is None:
            messages.warning(request, f"There is no processing job with id {object_id!r}.")
            return HttpResponseRedirect(reverse("admin:documents_processingjob_changelist"))
        self._refresh(request, job)
        return HttpResponseRedirect(reverse("admin:documents_processingjob_change", args=[job.pk]))

    @admin.action(description="Refresh status from the document processor", permissions=["refresh"])
    def refresh_selected(self, request: HttpRequest, queryset: QuerySet[ProcessingJob]) -> None:
        for job in queryset[:MAX_BULK_REFRESH]:
            if not self._refresh(request, job):
                break

    # -- helpers ------------------------------------------------------------------------------------

    def _refresh(self, request: HttpRequest, job: ProcessingJob) -> bool:
        """Ask the processor about ``job``; False when it could not be asked (stop asking about others)."""
        try:
            status = processor.job_status(job.job_id)
        except ServiceUnavailable as exc:
            _report_upstream_failure(request, exc, "the status refresh")
            return False
        except PortfolioError as exc:
            _report_upstream_failure(request, exc, f"the status refresh of job {job.job_id}")
            return True
        job = services.apply_job_status(job_id=job.job_id, status=status)
        messages.success(request, f"Job {job.job_id}: {job.state}, {job.progress}%.")
        return True

    def _submitted(
        self,
        request: HttpRequest,
        submitted: Submitted,
        *,
        source_type: str,
        source_name: str,
        key: str | None,
    ) -> HttpResponse:
        if isinstance(submitted, JobAccepted):
            job = services.record_submitted_job(
                job_id=submitted.job_id,
                source_type=source_type,
                source_name=source_name,
                document_key=key or "",
                status_url=submitted.status_url,
                requested_by=request.user,  # type: ignore[arg-type]
            )
            messages.success(request, f"The document processor accepted {source_name}: job {job.job_id}.")
            return HttpResponseRedirect(reverse("admin:documents_processingjob_change", args=[job.pk]))
        document = services.record_known_document(info=submitted)
        messages.info(
            request, f"{source_name} is already processed: it is stored as document {document.document_key}."
        )
        return HttpResponseRedirect(reverse("admin:documents_document_change", args=[document.pk]))

    def _form_page(
        self, request: HttpRequest, form: Any, *, title: str, multipart: bool = False
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": title,
            "multipart": multipart,
        }
        return TemplateResponse(request, "admin/documents/processingjob/submit.html", context)
