"""The scraper's outbound messages, added to the outbox inside the transaction that finishes a job.

Three kinds, all delivered later by the outbox dispatcher (``python -m portfolio_shared.outbox
--sender scraper``), so a receiver that is down loses nothing:

- papers to core: ``BULK_UPSERT_PAPERS`` (REST, service token), ``PapersBulk`` bodies of at most
  ``batch_size`` papers;
- papers worth reading to the document processor: ``PROCESS_PDF`` with the arXiv PDF URL and the
  stable key :func:`portfolio_shared.contracts.paper_pdf_key`, so the chatbot can cite them;
- the ``scraper.job.completed`` webhook to core, last.

The operations, their routes and the webhook's receiver are declared in
:mod:`portfolio_shared.contracts`.

Message ids are derived from the job id, so enqueueing the same job's messages twice adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from portfolio_shared.contracts import BULK_UPSERT_PAPERS, PROCESS_PDF, paper_pdf_key
from portfolio_shared.outbox import enqueue_call, enqueue_webhook
from portfolio_shared.outbox.enqueue import Cursor
from portfolio_shared.schemas import (
    SCRAPER_JOB_COMPLETED,
    Paper,
    PapersBulk,
    PdfUrlRequest,
    ScraperJobCompleted,
)

DEFAULT_BATCH_SIZE = 500


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
            enqueue_call(
                cursor, BULK_UPSERT_PAPERS.bind(body), msg_id=_msg_id(job_id, f"papers_{n}"), notify=False
            )
        )
    return ids


def pdf_request(paper: Paper) -> PdfUrlRequest:
    """The ``PROCESS_PDF`` body for ``paper`` (which must have a ``pdf_url``)."""
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
    return PdfUrlRequest(
        url=paper.pdf_url, document_key=paper_pdf_key(paper.arxiv_id), title=paper.title, metadata=metadata
    )


def enqueue_pdfs(cursor: Cursor, papers: Sequence[Paper], *, job_id: UUID) -> list[str]:
    """One ``PROCESS_PDF`` message per paper that has a PDF URL; return the message ids."""
    return [
        enqueue_call(
            cursor,
            PROCESS_PDF.bind(pdf_request(paper)),
            msg_id=_msg_id(job_id, f"pdf_{paper.arxiv_id}"),
            notify=False,
        )
        for paper in papers
        if paper.pdf_url
    ]


def enqueue_job_completed(cursor: Cursor, event: ScraperJobCompleted) -> str:
    """The ``scraper.job.completed`` webhook to core; wakes the dispatchers on commit."""
    return enqueue_webhook(
        cursor,
        SCRAPER_JOB_COMPLETED,
        event.model_dump(mode="json"),
        msg_id=_msg_id(UUID(event.job_id), "completed"),
    )
