"""Client of the document processor: submit content, follow jobs, delete documents, search.

Text and PDF URLs reach the processor through the senders' outboxes (``PROCESS_TEXT``,
``PROCESS_PDF``, ``PROCESS_BATCH`` enqueued), not through this client."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import httpx

from portfolio_shared.clients.outbox import OutboxClientMixin
from portfolio_shared.contracts.operations import (
    DELETE_DOCUMENT,
    PROCESS_GITHUB,
    PROCESS_PDF,
    PROCESSING_STATUS,
    REPROCESS_DOCUMENT,
    SEARCH,
    SIMILAR,
)
from portfolio_shared.schemas.documents import (
    DocumentInfo,
    GithubRequest,
    JobAccepted,
    MetadataValue,
    ProcessingJob,
    SearchHit,
    SearchRequest,
    SearchResponse,
    SimilarDocument,
    SimilarRequest,
    SimilarResponse,
)

#: What a submission answers: 202 and a job to follow, or 200 and the already-stored document.
Submitted = JobAccepted | DocumentInfo


class DocumentsClient(OutboxClientMixin):
    """Typed client of the document processor."""

    service: ClassVar[str] = "documents"
    url_setting: ClassVar[str] = "documents_url"

    def _submitted(self, response: httpx.Response) -> Submitted:
        if response.status_code == 202:
            return self._parse(response, JobAccepted)
        return self._parse(response, DocumentInfo)

    async def process_pdf_upload(
        self,
        filename: str,
        content: bytes,
        *,
        document_key: str | None = None,
        title: str | None = None,
        idempotency_key: str | None = None,
    ) -> Submitted:
        """``POST /process/pdf`` as multipart (field ``file``): index an uploaded PDF."""
        form = {k: v for k, v in (("document_key", document_key), ("title", title)) if v is not None}
        response = await self.send(
            PROCESS_PDF.bind(),
            files={"file": (filename, content, "application/pdf")},
            data=form,
            idempotency_key=idempotency_key,
        )
        return self._submitted(response)

    async def process_github(
        self,
        repo: str,
        *,
        document_key: str | None = None,
        idempotency_key: str | None = None,
    ) -> Submitted:
        """``POST /process/github``: index a repository given as ``owner/name`` or its URL."""
        body = GithubRequest(repo=repo, document_key=document_key)
        response = await self.send(PROCESS_GITHUB.bind(body), idempotency_key=idempotency_key)
        return self._submitted(response)

    async def status(self, job_id: str) -> ProcessingJob:
        """``GET /process/status/{job_id}``."""
        response = await self.send(PROCESSING_STATUS.bind(job_id=job_id))
        return self._parse(response, ProcessingJob)

    async def delete_document(self, document_key: str) -> bool:
        """``DELETE /documents/{key}``: True when it was deleted, False when there was none.

        A missing document is not an error, so a replayed deletion (the outbox) settles.
        """
        response = await self.send(DELETE_DOCUMENT.bind(document_key=document_key), accept=(404,))
        return response.status_code != 404

    async def reprocess_document(self, document_key: str) -> JobAccepted:
        """``POST /documents/{key}/reprocess``: process the stored document again from its source,
        even when unchanged. NotFound for an unknown key; Conflict when the processor has no source."""
        response = await self.send(REPROCESS_DOCUMENT.bind(document_key=document_key))
        return self._parse(response, JobAccepted)

    async def search(
        self,
        query: str,
        k: int = 5,
        filters: Mapping[str, MetadataValue | list[MetadataValue]] | None = None,
        subject: str | None = None,
    ) -> list[SearchHit]:
        """``POST /search``: the ``k`` best chunks for ``query``, best first (``subject``: whom the
        questions are about, see :class:`SearchRequest`)."""
        body = SearchRequest(query=query, k=k, filters=dict(filters or {}), subject=subject)
        # A search changes nothing, so repeating it is safe even though it is a POST (SEARCH is
        # declared safe); without a subject the field is left out, as an older processor expects.
        response = await self.send(SEARCH.bind(body))
        return self._parse(response, SearchResponse).results

    async def similar(
        self,
        document_key: str,
        k: int = 5,
        filters: Mapping[str, MetadataValue | list[MetadataValue]] | None = None,
    ) -> list[SimilarDocument]:
        """``POST /similar``: the ``k`` documents nearest to the stored ``document_key``, nearest first.

        Raises ``NotFound`` when the processor holds no vectors for ``document_key``.
        """
        body = SimilarRequest(document_key=document_key, k=k, filters=dict(filters or {}))
        response = await self.send(SIMILAR.bind(body))
        return self._parse(response, SimilarResponse).results
