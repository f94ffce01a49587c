"""The HTTP API without a worker: service auth on every route, precise 4xx codes for bad input, dedup
answered before any job exists, jobs recorded and listed, and the OpenAPI documenting each error."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from conftest import FreshAuth, auth_headers
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from portfolio_documents.config import DocumentsSettings
from portfolio_documents.main import create_app
from portfolio_documents.models import Document, ProcessingJob
from portfolio_documents.processing.index.fingerprint import content_sha256
from portfolio_shared.auth import SigningKey

AUTH = FreshAuth("core")
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

ROUTES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/process/text", {"json": {"document_key": "k", "title": "t", "text": "x"}}),
    ("POST", "/process/pdf", {"json": {"url": "https://example.org/a.pdf"}}),
    ("POST", "/process/github", {"json": {"repo": "owner/name"}}),
    ("POST", "/process/batch", {"json": {"items": [{"type": "github", "repo": "o/n"}]}}),
    ("GET", f"/process/status/{uuid.uuid4()}", {}),
    ("GET", "/jobs", {}),
    ("GET", "/documents/some-key", {}),
    ("DELETE", "/documents/some-key", {}),
    ("POST", "/documents/some-key/reprocess", {}),
    ("POST", "/search", {"json": {"query": "anything"}}),
]


def insert_document(engine: Engine, **fields: Any) -> Document:
    key = fields.pop("document_key", f"doc:{uuid.uuid4().hex}")
    with Session(engine, expire_on_commit=False) as session, session.begin():
        fields = {"title": "Stored", "source_type": "text", "chunks": 2, **fields}
        document = Document(document_key=key, **fields)
        session.add(document)
    return document


def job_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(ProcessingJob)).scalar_one()


@pytest.mark.parametrize(("method", "path", "kwargs"), ROUTES)
async def test_every_route_requires_a_service_token(
    client: httpx.AsyncClient, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    missing = await client.request(method, path, **kwargs)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "token_missing"
    forged = await client.request(
        method, path, headers=auth_headers("core", key=SigningKey.generate()), **kwargs
    )
    assert forged.status_code == 401
    assert forged.json()["error"]["code"] == "token_invalid_signature"
    wrong_caller = await client.request(method, path, headers=auth_headers("analytics"), **kwargs)
    assert wrong_caller.status_code == 403
    assert wrong_caller.json()["error"]["code"] == "caller_not_allowed"


async def test_openapi_documents_auth_and_error_responses(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    templates = {
        "/process/status/": "/process/status/{job_id}",
        "/documents/some-key/reprocess": "/documents/{document_key}/reprocess",
        "/documents/": "/documents/{document_key}",
    }
    for method, path, _ in ROUTES:
        template = next((t for prefix, t in templates.items() if path.startswith(prefix)), path)
        responses = paths[template][method.lower()]["responses"]
        assert {"401", "403", "500"} <= set(responses), (method, path)
        assert "ErrorEnvelope" in str(responses["401"])
    assert {"413", "422", "202", "200"} <= set(paths["/process/pdf"]["post"]["responses"])
    assert "multipart/form-data" in paths["/process/pdf"]["post"]["requestBody"]["content"]
    assert "404" in paths["/documents/{document_key}"]["delete"]["responses"]


async def test_text_payload_errors_have_precise_codes(client: httpx.AsyncClient, sync_engine: Engine) -> None:
    before = job_count(sync_engine)
    invalid_json = await client.post(
        "/process/text", content=b"{not json", headers={**AUTH, "content-type": "application/json"}
    )
    assert (invalid_json.status_code, invalid_json.json()["error"]["code"]) == (400, "invalid_json")
    missing = await client.post("/process/text", json={"document_key": "k", "text": "x"}, headers=AUTH)
    assert (missing.status_code, missing.json()["error"]["code"]) == (422, "validation_error")
    assert missing.json()["error"]["details"]["errors"][0]["loc"][-1] == "title"
    unknown = await client.post(
        "/process/text", json={"document_key": "k", "title": "t", "text": "x", "colour": "red"}, headers=AUTH
    )
    assert unknown.status_code == 422
    bad_format = await client.post(
        "/process/text", json={"document_key": "k", "title": "t", "text": "x", "format": "docx"}, headers=AUTH
    )
    assert bad_format.status_code == 422
    assert job_count(sync_engine) == before


async def test_pdf_intake_errors_have_precise_codes(client: httpx.AsyncClient, sync_engine: Engine) -> None:
    before = job_count(sync_engine)
    not_pdf = await client.post(
        "/process/pdf", files={"file": ("a.pdf", b"GIF89a....", "application/pdf")}, headers=AUTH
    )
    assert (not_pdf.status_code, not_pdf.json()["error"]["code"]) == (422, "not_a_pdf")
    no_file = await client.post(
        "/process/pdf", files={"other": ("a.pdf", PDF, "application/pdf")}, headers=AUTH
    )
    assert (no_file.status_code, no_file.json()["error"]["code"]) == (422, "file_missing")
    bad_url = await client.post("/process/pdf", json={"url": "ftp://example.org/a.pdf"}, headers=AUTH)
    assert (bad_url.status_code, bad_url.json()["error"]["code"]) == (422, "validation_error")
    wrong_type = await client.post(
        "/process/pdf", content=b"%PDF-1.4", headers={**AUTH, "content-type": "application/pdf"}
    )
    assert (wrong_type.status_code, wrong_type.json()["error"]["code"]) == (415, "unsupported_media_type")
    bad_metadata = await client.post(
        "/process/pdf",
        files={"file": ("a.pdf", PDF, "application/pdf")},
        data={"metadata": "[1,2]"},
        headers=AUTH,
    )
    assert (bad_metadata.status_code, bad_metadata.json()["error"]["code"]) == (422, "validation_error")
    assert job_count(sync_engine) == before


@pytest.fixture
async def small_client(settings: DocumentsSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"max_upload_mb": 1}))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://d") as c,
    ):
        yield c


async def test_an_upload_over_the_cap_is_refused_while_streaming(small_client: httpx.AsyncClient) -> None:
    big = PDF + b"0" * (1024 * 1024 + 1)
    declared = await small_client.post(
        "/process/pdf", files={"file": ("big.pdf", big, "application/pdf")}, headers=AUTH
    )
    assert (declared.status_code, declared.json()["error"]["code"]) == (413, "payload_too_large")
    assert declared.json()["error"]["details"] == {"max_bytes": 1024 * 1024}

    async def body() -> AsyncIterator[bytes]:  # no Content-Length: only the streaming count can stop it
        boundary = b"--cap"
        yield boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        yield b"Content-Type: application/pdf\r\n\r\n" + PDF
        for _ in range(40):
            yield b"0" * 65536
        yield b"\r\n" + boundary + b"--\r\n"

    streamed = await small_client.post(
        "/process/pdf", content=body(), headers={**AUTH, "content-type": "multipart/form-data; boundary=cap"}
    )
    assert (streamed.status_code, streamed.json()["error"]["code"]) == (413, "payload_too_large")
    assert streamed.json()["error"]["details"] == {"max_bytes": 1024 * 1024}


async def test_github_and_batch_and_search_errors(client: httpx.AsyncClient) -> None:
    invalid_repo = await client.post("/process/github", json={"repo": "not a repo"}, headers=AUTH)
    assert (invalid_repo.status_code, invalid_repo.json()["error"]["code"]) == (422, "invalid_repo")
    empty = await client.post("/process/batch", json={"items": []}, headers=AUTH)
    assert empty.status_code == 422
    too_many = await client.post(
        "/process/batch", json={"items": [{"type": "github", "repo": "o/n"}] * 101}, headers=AUTH
    )
    assert too_many.status_code == 422
    unknown_type = await client.post(
        "/process/batch", json={"items": [{"type": "video", "url": "x"}]}, headers=AUTH
    )
    assert unknown_type.status_code == 422
    bad_k = await client.post("/search", json={"query": "x", "k": 0}, headers=AUTH)
    assert (bad_k.status_code, bad_k.json()["error"]["code"]) == (422, "validation_error")
    bad_filter = await client.post("/search", json={"query": "x", "filters": {"$or": "y"}}, headers=AUTH)
    assert (bad_filter.status_code, bad_filter.json()["error"]["code"]) == (422, "invalid_filter")
    # Found by schema fuzzing: a list of mixed types reached Chroma, which refused it (a 500).
    mixed = await client.post(
        "/search", json={"query": "x", "filters": {"kind": ["a", 1, True]}}, headers=AUTH
    )
    assert (mixed.status_code, mixed.json()["error"]["code"]) == (422, "invalid_filter")


async def test_unknown_jobs_and_documents_are_404(client: httpx.AsyncClient) -> None:
    for path in (f"/process/status/{uuid.uuid4()}", "/process/status/not-a-uuid"):
        response = await client.get(path, headers=AUTH)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "job_not_found")
    gone = await client.delete(f"/documents/nothing:{uuid.uuid4().hex}", headers=AUTH)
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "document_not_found")
    again = await client.post(f"/documents/nothing:{uuid.uuid4().hex}/reprocess", headers=AUTH)
    assert (again.status_code, again.json()["error"]["code"]) == (404, "document_not_found")
    bad_key = await client.post("/documents/a%01b/reprocess", headers=AUTH)
    assert (bad_key.status_code, bad_key.json()["error"]["code"]) == (422, "validation_error")
    bad_state = await client.get("/jobs", params={"state": "sleeping"}, headers=AUTH)
    assert (bad_state.status_code, bad_state.json()["error"]["code"]) == (422, "invalid_state")


async def test_same_text_under_another_key_answers_200_with_the_stored_document(
    client: httpx.AsyncClient, sync_engine: Engine
) -> None:
    text = f"A project about {uuid.uuid4().hex}: offline embeddings and hybrid search."
    stored = insert_document(sync_engine, content_sha256=content_sha256(text), characters=len(text))
    before = job_count(sync_engine)
    # Whitespace and compatibility characters do not make it new content.
    response = await client.post(
        "/process/text",
        json={
            "document_key": f"other:{uuid.uuid4().hex}",
            "title": "Copy",
            "text": "  " + text.replace(" ", "\n "),
        },
        headers=AUTH,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["document_id"], body["document_key"]) == (str(stored.id), stored.document_key)
    assert body["chunks"] == 2
    assert job_count(sync_engine) == before


async def test_same_upload_answers_200_with_the_stored_document(
    client: httpx.AsyncClient, sync_engine: Engine
) -> None:
    data = PDF + uuid.uuid4().hex.encode()
    stored = insert_document(
        sync_engine, content_sha256="a" * 64, file_sha256=hashlib.sha256(data).hexdigest(), source_type="pdf"
    )
    response = await client.post(
        "/process/pdf", files={"file": ("again.pdf", data, "application/pdf")}, headers=AUTH
    )
    assert response.status_code == 200, response.text
    assert response.json()["document_key"] == stored.document_key


async def test_accepted_jobs_are_recorded_and_listed(client: httpx.AsyncClient, sync_engine: Engine) -> None:
    key = f"pdf-job:{uuid.uuid4().hex}"
    response = await client.post(
        "/process/pdf", json={"url": "http://127.0.0.1:9/none.pdf", "document_key": key}, headers=AUTH
    )
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status_url"] == f"/process/status/{accepted['job_id']}"
    status = (await client.get(accepted["status_url"], headers=AUTH)).json()
    assert status["id"] == accepted["job_id"]
    assert status["source"] == "pdf"
    assert status["document_key"] == key
    assert status["state"] in ("queued", "running", "failed")  # a worker may already have taken it
    listed = (await client.get("/jobs", params={"source": "pdf", "page_size": 200}, headers=AUTH)).json()
    assert accepted["job_id"] in {job["id"] for job in listed["results"]}
    assert listed["count"] >= 1
    assert all(job["source"] == "pdf" for job in listed["results"])
    paged = (await client.get("/jobs", params={"page_size": 1}, headers=AUTH)).json()
    assert len(paged["results"]) == 1
    assert (paged["next"] is not None) == (paged["count"] > 1)
    assert paged["previous"] is None


async def test_an_unauthenticated_100_mb_post_is_refused_before_it_is_read(client: httpx.AsyncClient) -> None:
    produced = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal produced
        for _ in range(1600):  # 100 MiB in 64 KiB chunks
            produced += 1
            yield b"x" * 65536

    headers = {"content-type": "application/json", "content-length": str(100 * 1024 * 1024)}
    refused = await client.post("/process/text", content=body(), headers=headers)
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "token_missing")
    assert produced <= 1  # httpx may pull the first chunk before the app answers; the app reads none


async def test_a_json_body_over_the_request_cap_is_413(settings: DocumentsSettings) -> None:
    app = create_app(settings.model_copy(update={"max_request_body_kb": 1}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://d") as capped:
        refused = await capped.post("/search", json={"query": "x" * 2048, "k": 1}, headers=AUTH)
    assert (refused.status_code, refused.json()["error"]["code"]) == (413, "payload_too_large")


async def test_reprocess_queues_the_last_source_again_with_the_reprocess_flag(
    client: httpx.AsyncClient, sync_engine: Engine
) -> None:
    stored = insert_document(sync_engine, content_sha256="b" * 64)
    orphan = await client.post(f"/documents/{stored.document_key}/reprocess", headers=AUTH)
    assert (orphan.status_code, orphan.json()["error"]["code"]) == (409, "document_source_unknown")
    source = {"type": "text", "document_key": stored.document_key, "title": "T", "text": "x", "metadata": {}}
    with Session(sync_engine) as session, session.begin():
        session.add(ProcessingJob(id=uuid.uuid4(), source=source, document_key=stored.document_key))
    response = await client.post(f"/documents/{stored.document_key}/reprocess", headers=AUTH)
    assert response.status_code == 202, response.text
    with Session(sync_engine) as session:
        job = session.get(ProcessingJob, uuid.UUID(response.json()["job_id"]))
        assert job is not None and job.source == {**source, "reprocess": True}
