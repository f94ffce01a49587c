"""The admin's calls to the document processor, through the shared ``DocumentsClient``.

Submissions carry an ``Idempotency-Key`` so the one retry they get cannot start a job twice.
Every failure is a :class:`portfolio_shared.errors.PortfolioError` (503 when the processor is down
or silent, its own envelope for a 4xx, 502 for a 5xx) for the admin to show as a message.
"""

from __future__ import annotations

import uuid

import httpx

from core_lib.upstreams import call
from portfolio_shared.clients import DocumentsClient, RetryPolicy, Submitted
from portfolio_shared.schemas import JobAccepted
from portfolio_shared.schemas import ProcessingJob as JobStatus

#: An upload may be large; connecting must still fail fast when the processor is down.
SUBMIT_DEADLINE = 60.0
SUBMIT_TIMEOUT = httpx.Timeout(connect=3.0, read=20.0, write=50.0, pool=3.0)
STATUS_DEADLINE = 5.0
_ONE_RETRY = RetryPolicy(attempts=2)


def submit_pdf_upload(
    *, filename: str, content: bytes, document_key: str | None = None, title: str | None = None
) -> Submitted:
    """``POST /process/pdf`` (multipart, field ``file``)."""
    key = f"core-pdf-{uuid.uuid4().hex}"
    return call(
        DocumentsClient,
        lambda c: c.process_pdf_upload(
            filename, content, document_key=document_key, title=title, idempotency_key=key
        ),
        deadline=SUBMIT_DEADLINE,
        timeout=SUBMIT_TIMEOUT,
        retry=_ONE_RETRY,
    )


def submit_github(*, repo: str, document_key: str | None = None) -> Submitted:
    """``POST /process/github`` with ``{"repo"}`` (``owner/name`` or the repository's URL)."""
    key = f"core-github-{uuid.uuid4().hex}"
    return call(
        DocumentsClient,
        lambda c: c.process_github(repo, document_key=document_key, idempotency_key=key),
        deadline=SUBMIT_DEADLINE,
        timeout=SUBMIT_TIMEOUT,
        retry=_ONE_RETRY,
    )


def job_status(job_id: str) -> JobStatus:
    """``GET /process/status/{id}``."""
    return call(DocumentsClient, lambda c: c.status(job_id), deadline=STATUS_DEADLINE, retry=_ONE_RETRY)


def delete_document(document_key: str) -> bool:
    """``DELETE /documents/{key}``: its chunks leave Chroma and the keyword index. False: it had none."""
    return call(
        DocumentsClient, lambda c: c.delete_document(document_key), deadline=STATUS_DEADLINE, retry=_ONE_RETRY
    )


def reprocess_document(document_key: str) -> JobAccepted:
    """``POST /documents/{key}/reprocess`` (not retried: a second job would only process it twice)."""
    return call(DocumentsClient, lambda c: c.reprocess_document(document_key), deadline=STATUS_DEADLINE)
