"""The sample PDF ``make run`` indexes for the chatbot (``fixtures/sample_handbook.pdf``, written by
``scripts/make_sample_pdf.py``): uploaded to the document processor as the admin uploads one, under
its own document key, and deleted from the index through the outbox."""

from __future__ import annotations

from pathlib import Path

from django.db import connection, transaction

from documents import processor, services
from documents.models import Document, ProcessingJob
from portfolio_shared.clients import Submitted
from portfolio_shared.contracts import DELETE_DOCUMENT
from portfolio_shared.outbox import enqueue_call
from portfolio_shared.schemas import JobAccepted

SAMPLE_PDF = Path(__file__).resolve().parent / "fixtures" / "sample_handbook.pdf"
SAMPLE_PDF_KEY = "sample:handbook"
SAMPLE_PDF_TITLE = "Shipping Retrieval Assistants: a Field Handbook (sample)"


def load_sample_pdf() -> Submitted:
    """Upload the sample PDF (the processor answers 200 when it already holds it) and mirror it."""
    submitted = processor.submit_pdf_upload(
        filename=SAMPLE_PDF.name,
        content=SAMPLE_PDF.read_bytes(),
        document_key=SAMPLE_PDF_KEY,
        title=SAMPLE_PDF_TITLE,
    )
    if isinstance(submitted, JobAccepted):
        services.record_submitted_job(
            job_id=submitted.job_id,
            source_type="pdf",
            source_name=SAMPLE_PDF.name,
            document_key=SAMPLE_PDF_KEY,
            status_url=submitted.status_url,
        )
    else:
        services.record_known_document(info=submitted)
    return submitted


@transaction.atomic
def remove_sample_pdf() -> bool:
    """Delete the sample PDF from the index (through the outbox) and core's mirrors of it; True when
    core knew of it."""
    known = bool(Document.objects.filter(document_key=SAMPLE_PDF_KEY).delete()[0])
    known = bool(ProcessingJob.objects.filter(document_key=SAMPLE_PDF_KEY).delete()[0]) or known
    with connection.cursor() as cursor:
        enqueue_call(cursor, DELETE_DOCUMENT.bind(document_key=SAMPLE_PDF_KEY))
    return known
