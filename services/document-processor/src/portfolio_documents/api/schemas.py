"""The API's own request and response models, around the shared ones of
:mod:`portfolio_shared.schemas.documents`.

Responses extend the shared models with fields of their own (a job's ``stage``, ``attempts`` and
``timings``); the shared models ignore unknown fields, so the typed client keeps working. A search
hit is the shared ``SearchHit`` as it is. Requests that the shared package defines are used as they are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from portfolio_shared.schemas import DocumentInfo as DocumentInfo  # re-exported for the routes
from portfolio_shared.schemas import (
    GithubRequest,
    JobAccepted,
    JobResult,
    PdfUrlRequest,
    ProcessingJob,
    TextForIndexing,
)

MAX_BATCH_ITEMS = 100


class GithubJobRequest(GithubRequest):
    """``POST /process/github``: the README, plus the Markdown under ``docs/`` when ``include_docs``."""

    include_docs: bool = False


class TextItem(TextForIndexing):
    type: Literal["text"]


class PdfUrlItem(PdfUrlRequest):
    type: Literal["pdf"]


class GithubItem(GithubJobRequest):
    type: Literal["github"]


BatchItem = Annotated[TextItem | PdfUrlItem | GithubItem, Field(discriminator="type")]


class BatchRequest(BaseModel):
    """``POST /process/batch``: up to 100 items, each what its own endpoint takes plus ``type``."""

    model_config = {"extra": "forbid"}

    items: Annotated[list[BatchItem], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


class BatchItemAccepted(BaseModel):
    """One batch item: a job to follow, or the document that already holds its content."""

    index: int
    job_id: str | None = None
    status_url: str | None = None
    document: DocumentInfo | None = None


class BatchAccepted(JobAccepted):
    items: list[BatchItemAccepted]


class JobOutcome(JobResult):
    """A job's result; ``duplicate_of`` names the document that already held the same content."""

    document_key: str | None = None
    content_sha256: str | None = None
    duplicate_of: str | None = None
    unchanged: bool = False
    extractor: str | None = None
    #: For a batch: every document its items produced or found.
    document_ids: list[str] | None = None


class JobItem(BaseModel):
    """A batch's item, as its batch lists it."""

    job_id: str
    state: str
    stage: str
    progress: int
    document_key: str | None
    status_url: str


class JobView(ProcessingJob):
    """``GET /process/status/{id}``: the shared job shape plus where it is and how it went.

    ``state`` is the shared lifecycle (``queued``, ``running``, ``succeeded``, ``partial``,
    ``failed``); ``stage`` the step it is in (``fetching``, ``extracting``, ``chunking``,
    ``embedding``, ``storing``, or the state itself once it ended).
    """

    stage: str
    attempts: int = 0
    timings: dict[str, float] = Field(default_factory=dict)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    parent_id: str | None = None
    result: JobOutcome | None = None
    items: list[JobItem] | None = None


class JobPage(BaseModel):
    """``GET /jobs``: newest first."""

    count: int
    next: str | None
    previous: str | None
    results: list[JobView]
