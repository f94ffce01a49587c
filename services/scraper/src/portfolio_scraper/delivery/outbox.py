"""The scraper's outbound messages, added to the outbox inside the transaction that finishes a job.

Three kinds, all delivered later by the outbox dispatcher (``python -m portfolio_shared.outbox
--sender scraper``), so a receiver that is down loses nothing:

- papers to core: ``POST /api/internal/papers/bulk/`` (REST, service token), ``PapersBulk`` bodies
  of at most ``batch_size`` papers;
- papers worth reading to the document processor: ``POST /process/pdf`` with the arXiv PDF URL and
  the stable key ``paper:<arxiv_id>``, so the chatbot can cite them;
- the ``scraper.job.completed`` webhook to core, last.

Message ids are derived from the job id, so enqueueing the same job's messages twice adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from portfolio_shared.clients.core import BULK_PAPERS_PATH
from portfolio_shared.outbox import enqueue
from portfolio_shared.outbox.enqueue import Cursor
from portfolio_shared.schemas import (
    SCRAPER_JOB_COMPLETED,
    Paper,
    PapersBulk,
    PdfUrlRequest,
    ScraperJobCompleted,
)

CORE = "core"
DOCUMENTS = "documents"
WEBHOOK_PATH = "/api/webhooks/scraper-complete/"
PDF_PATH = "/process/pdf"
DEFAULT_BATCH_SIZE = 500


def document_key(arxiv_id: str) -> str:
    """The document processor's key of a paper's PDF (stable, so a new version replaces the old)."""
    return f"paper:{arxiv_id}"


def _msg_id(job_id: UUID, kind: str) -> str:
    return f"msg_scrape_{job_id.hex}_{kind}"


def enqueue_papers(
    cursor: Cursor, papers: Sequence[Paper], *, job_id: UUID, batch_size: int = DEFAULT_BATCH_SIZE
) -> list[str]:
    """One bulk message per ``batch_size`` papers (in the given order); return the message ids."""
    ids = []
    for n, start in enumerate(range(0, len(papers), batch_size)):
        body = PapersBulk(papers=list(papers[start : start + batch_size]))
        ids.append(
            enqueue(
                cursor,
                destination=CORE,
                path=BULK_PAPERS_PATH,
                kind="rest",
                payload=body.model_dump(mode="json"),
                msg_id=_msg_id(job_id, f"papers_{n}"),
                notify=False,
            )
        )
    return ids


def pdf_request(paper: Paper) -> dict[str, Any]:
    """The ``POST /process/pdf`` body for ``paper`` (which must have a ``pdf_url``)."""
    if not paper.pdf_url:
        raise ValueError(f"{paper.arxiv_id} has no pdf_url")
    metadata: dict[str, str | int | float | bool] = {
        "kind": "paper",
        "arxiv_id": paper.arxiv_id,
        "version": paper.version,
        "relevance": paper.relevance,
    }
    if paper.abs_url:
        metadata["abs_url"] = paper.abs_url
    body = PdfUrlRequest(
        url=paper.pdf_url, document_key=document_key(paper.arxiv_id), title=paper.title, metadata=metadata
    )
    return body.model_dump(mode="json")


def enqueue_pdfs(cursor: Cursor, papers: Sequence[Paper], *, job_id: UUID) -> list[str]:
    """One ``/process/pdf`` message per paper that has a PDF URL; return the message ids."""
    return [
        enqueue(
            cursor,
            destination=DOCUMENTS,
            path=PDF_PATH,
            kind="rest",
            payload=pdf_request(paper),
            msg_id=_msg_id(job_id, f"pdf_{paper.arxiv_id}"),
            notify=False,
        )
        for paper in papers
        if paper.pdf_url
    ]


def enqueue_job_completed(cursor: Cursor, event: ScraperJobCompleted) -> str:
    """The ``scraper.job.completed`` webhook to core; wakes the dispatchers on commit."""
    return enqueue(
        cursor,
        destination=CORE,
        path=WEBHOOK_PATH,
        kind="webhook",
        event_type=SCRAPER_JOB_COMPLETED,
        payload=event.model_dump(mode="json"),
        msg_id=_msg_id(UUID(event.job_id), "completed"),
    )
