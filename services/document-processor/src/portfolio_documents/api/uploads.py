"""Multipart PDF uploads read with the size cap enforced while the body streams in.

Starlette's own ``request.form()`` reads the whole body before anyone can look at its size; here
the stream is counted as it arrives and the upload stops with 413 ``payload_too_large`` as soon as
it passes ``MAX_UPLOAD_MB`` (plus room for the form's own fields), so a huge body is never buffered.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from portfolio_shared.errors import BadRequest, PayloadTooLarge, ValidationFailed

#: Bytes a form may carry besides the file (boundaries, part headers, small fields).
FORM_OVERHEAD = 64 * 1024
#: A PDF header may follow some junk; readers look in the first KiB, as does this check.
PDF_MAGIC = b"%PDF-"


@dataclass
class PdfUpload:
    data: bytes
    filename: str | None
    document_key: str | None = None
    title: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The upload exceeds {max_bytes // (1024 * 1024)} MB.", max_bytes=max_bytes)


def is_pdf(data: bytes) -> bool:
    return PDF_MAGIC in data[:1024]


async def _capped(stream: AsyncIterator[bytes], limit: int, max_bytes: int) -> AsyncIterator[bytes]:
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > limit:
            raise too_large(max_bytes)
        yield chunk


def _optional(value: Any, name: str, max_length: int) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise ValidationFailed(f"Form field {name!r} must be text of at most {max_length} characters.")
    return value.strip() or None


async def read_pdf_upload(request: Request, max_bytes: int) -> PdfUpload:
    """Parse the multipart body: field ``file`` (a PDF), optional ``document_key``, ``title`` and
    ``metadata`` (a JSON object). Raises 413 ``payload_too_large``, 422 ``file_missing``/``not_a_pdf``/
    ``validation_error`` or 400 ``invalid_multipart``."""
    parser = MultiPartParser(
        request.headers,
        _capped(request.stream(), max_bytes + FORM_OVERHEAD, max_bytes),
        max_files=1,
        max_fields=10,
        max_part_size=FORM_OVERHEAD,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise BadRequest(
            f"The multipart body is malformed: {exc.message}", code="invalid_multipart"
        ) from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ValidationFailed("The multipart field 'file' (the PDF) is missing.", code="file_missing")
        data = await upload.read()
        if len(data) > max_bytes:
            raise too_large(max_bytes)
        if not is_pdf(data):
            raise ValidationFailed("The uploaded file is not a PDF (no %PDF- header).", code="not_a_pdf")
        raw_metadata = _optional(form.get("metadata"), "metadata", 16_000)
        metadata: dict[str, Any] = {}
        if raw_metadata:
            try:
                metadata = json.loads(raw_metadata)
            except json.JSONDecodeError:
                metadata = None  # type: ignore[assignment]
            if not isinstance(metadata, dict) or not all(
                isinstance(v, str | int | float | bool) for v in metadata.values()
            ):
                raise ValidationFailed("Form field 'metadata' must be a JSON object of scalar values.")
        return PdfUpload(
            data=data,
            filename=upload.filename,
            document_key=_optional(form.get("document_key"), "document_key", 255),
            title=_optional(form.get("title"), "title", 1000),
            metadata=metadata,
        )
    finally:
        await form.close()
