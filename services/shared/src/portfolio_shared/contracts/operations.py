"""Every cross-service operation, declared once. Clients call these (``client.call(SEARCH, ...)``),
the outbox enqueues them (``enqueue_call(cursor, PROCESS_TEXT.bind(item))``), and
tests/contracts/test_operations.py checks each against its target's OpenAPI schema.

Adding one: declare it here with its models, export it from the package, call it from a client
method or enqueue it; the test then proves the target serves it as declared.
"""

from __future__ import annotations

from pydantic import BaseModel

from portfolio_shared.contracts.operation import Operation, WebhookReceiver
from portfolio_shared.schemas.analytics import AnalyticsSummary
from portfolio_shared.schemas.documents import (
    DocumentInfo,
    GithubRequest,
    JobAccepted,
    PdfUrlRequest,
    ProcessingJob,
    SearchRequest,
    SearchResponse,
    SimilarRequest,
    SimilarResponse,
    TextForIndexing,
)
from portfolio_shared.schemas.outbox import OutboxMessage, OutboxPage
from portfolio_shared.schemas.papers import PapersBulk, PapersBulkResult, PaperTitles, PaperTitlesRequest
from portfolio_shared.schemas.scraper import (
    ClassifyRequest,
    ClassifyResult,
    RelevanceKeywords,
    ScrapeHistory,
    ScrapeJob,
    ScrapeRequest,
    ScrapeRerunRequest,
)
from portfolio_shared.schemas.webhooks import (
    DOCUMENT_PROCESSED,
    SCRAPER_JOB_COMPLETED,
    DocumentProcessed,
    ScraperJobCompleted,
)

CORE, SCRAPER, ANALYTICS, DOCUMENTS = ("core",), ("scraper",), ("analytics",), ("documents",)
#: A submission answers 202 and a job to follow, or 200 and the document already stored.
_SUBMITTED: dict[int, type[BaseModel] | None] = {202: JobAccepted, 200: DocumentInfo}

# -- core -------------------------------------------------------------------------------------------
BULK_UPSERT_PAPERS = Operation(
    "bulk_upsert_papers", CORE, "POST", "/api/internal/papers/bulk/", PapersBulk, {200: PapersBulkResult}
)
#: The titles of up to 200 papers by arXiv id (analytics names the dashboard's papers with them).
PAPER_TITLES = Operation(
    "paper_titles",
    CORE,
    "POST",
    "/api/internal/papers/titles/",
    PaperTitlesRequest,
    {200: PaperTitles},
    safe=True,
)
RELEVANCE_KEYWORDS = Operation(
    "relevance_keywords", CORE, "GET", "/api/internal/relevance-keywords/", None, {200: RelevanceKeywords}
)
#: Core's public content the scraper reads for the owner's interests (paginated lists).
CORE_TECH_STACK = Operation("tech_stack", CORE, "GET", "/api/tech-stack/", None, {200: None})
CORE_PROJECTS = Operation("projects", CORE, "GET", "/api/projects/", None, {200: None})

# -- scraper ----------------------------------------------------------------------------------------
START_SCRAPE = Operation("start_scrape", SCRAPER, "POST", "/scrape", ScrapeRequest, {202: JobAccepted})
SCRAPE_STATUS = Operation("scrape_status", SCRAPER, "GET", "/scrape/status", None, {200: ScrapeJob})
SCRAPE_HISTORY = Operation("scrape_history", SCRAPER, "GET", "/scrape/history", None, {200: ScrapeHistory})
RERUN_SOURCE = Operation(
    "rerun_source", SCRAPER, "POST", "/scrape/jobs/{job_id}/rerun", ScrapeRerunRequest, {202: JobAccepted}
)
CLASSIFY = Operation(
    "classify", SCRAPER, "POST", "/classify", ClassifyRequest, {200: ClassifyResult}, safe=True
)

# -- analytics --------------------------------------------------------------------------------------
ANALYTICS_SUMMARY = Operation(
    "analytics_summary", ANALYTICS, "GET", "/metrics/summary", None, {200: AnalyticsSummary}
)
LOAD_SAMPLE_TRAFFIC = Operation(
    "load_sample_traffic", ANALYTICS, "PUT", "/internal/sample", None, {200: None}
)
REMOVE_SAMPLE_TRAFFIC = Operation(
    "remove_sample_traffic", ANALYTICS, "DELETE", "/internal/sample", None, {200: None}
)

# -- document processor -----------------------------------------------------------------------------
PROCESS_TEXT = Operation("process_text", DOCUMENTS, "POST", "/process/text", TextForIndexing, _SUBMITTED)
#: As JSON (``{"url"}``); the same route takes a multipart upload (field ``file``), sent without a model.
PROCESS_PDF = Operation("process_pdf", DOCUMENTS, "POST", "/process/pdf", PdfUrlRequest, _SUBMITTED)
PROCESS_GITHUB = Operation("process_github", DOCUMENTS, "POST", "/process/github", GithubRequest, _SUBMITTED)
#: ``{"items": [...]}``, each item a submission with its ``type``; core's papers go this way.
PROCESS_BATCH = Operation("process_batch", DOCUMENTS, "POST", "/process/batch", None, {202: JobAccepted})
PROCESSING_STATUS = Operation(
    "processing_status", DOCUMENTS, "GET", "/process/status/{job_id}", None, {200: ProcessingJob}
)
DELETE_DOCUMENT = Operation(
    "delete_document", DOCUMENTS, "DELETE", "/documents/{document_key}", None, {204: None}
)
REPROCESS_DOCUMENT = Operation(
    "reprocess_document", DOCUMENTS, "POST", "/documents/{document_key}/reprocess", None, {202: JobAccepted}
)
SEARCH = Operation(
    "search", DOCUMENTS, "POST", "/search", SearchRequest, {200: SearchResponse}, safe=True, exclude_none=True
)
SIMILAR = Operation(
    "similar", DOCUMENTS, "POST", "/similar", SimilarRequest, {200: SimilarResponse}, safe=True
)

# -- the outbox routes every sender mounts (portfolio_shared.outbox.api) -----------------------------
OUTBOX_SENDERS = ("scraper", "documents")
OUTBOX_MESSAGES = Operation(
    "outbox_messages", OUTBOX_SENDERS, "GET", "/outbox/messages", None, {200: OutboxPage}
)
RETRY_OUTBOX_MESSAGE = Operation(
    "retry_outbox_message",
    OUTBOX_SENDERS,
    "POST",
    "/outbox/messages/{msg_id}/retry",
    None,
    {200: OutboxMessage},
    safe=True,  # making a message due now twice is the same as once
)
DISCARD_OUTBOX_MESSAGE = Operation(
    "discard_outbox_message", OUTBOX_SENDERS, "DELETE", "/outbox/messages/{msg_id}", None, {204: None}
)

OPERATIONS: tuple[Operation, ...] = tuple(v for v in list(globals().values()) if isinstance(v, Operation))


def operation_for(service: str, method: str, path: str) -> Operation | None:
    """The declared operation that ``method`` and the filled-in ``path`` are on ``service``, or None
    (the outbox reads a stored row this way, old rows that name no operation included)."""
    path = "/" + path.lstrip("/")
    for operation in OPERATIONS:
        if service in operation.targets and operation.matches(method, path):
            return operation
    return None


# -- webhooks ---------------------------------------------------------------------------------------
WEBHOOK_RECEIVERS: dict[str, WebhookReceiver] = {
    r.event_type: r
    for r in (
        WebhookReceiver(
            SCRAPER_JOB_COMPLETED, "core", "/api/webhooks/scraper-complete/", ScraperJobCompleted
        ),
        WebhookReceiver(DOCUMENT_PROCESSED, "core", "/api/webhooks/document-processed/", DocumentProcessed),
    )
}
