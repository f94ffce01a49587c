"""End to end against a real Celery worker (prefork, the real local embedder), Redis, Postgres and a
Chroma server: texts and PDFs become searchable, dedup, replacement and deletion leave no orphans,
a worker child killed mid-task redoes its job once, and the outbox delivers ``document.processed``
to a receiver that verifies the signature (standing in for core)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from conftest import COLLECTION_PREFIX, FreshAuth, Worker
from documents_pdfs import text_pdf
from fake_upstream import Reply, fake_upstream
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from portfolio_documents.config import DocumentsSettings
from portfolio_documents.models import Chunk as ChunkRow
from portfolio_documents.models import Document, ProcessingJob
from portfolio_documents.processing.index.store import open_chroma
from portfolio_shared.outbox import Dispatcher
from portfolio_shared.webhooks import verify

AUTH = FreshAuth("core")
COLLECTION = f"{COLLECTION_PREFIX}-all-minilm-l6-v2"
#: Generous: the first job also waits for the worker to start and load the model.
JOB_TIMEOUT = 300

COOKING = (
    "# Weeknight pasta\n\nBring a large pot of salted water to a rolling boil, add the spaghetti and "
    "stir so the strands do not stick. Cook it until al dente, about nine minutes, then drain and toss "
    "it with olive oil, garlic and grated parmesan.\n\n## Sauce\n\nSimmer crushed tomatoes with basil "
    "for twenty minutes while the pasta cooks."
)
DATABASES = (
    "# Replicated storage\n\nThe cluster keeps three replicas of every shard and elects a leader with "
    "the Raft consensus protocol. Writes are acknowledged once a quorum has persisted them, and a "
    "lagging follower catches up from the leader's log. The Quetzalcoatlus compaction scheduler "
    "merges old segments at night."
)


def chroma_count(chroma_url: str, key: str) -> int:
    collection = open_chroma(chroma_url).get_collection(COLLECTION)
    return len(collection.get(where={"document_key": key}, include=[])["ids"])


def row_count(engine: Engine, key: str) -> int:
    with Session(engine) as session:
        return session.execute(
            select(func.count()).select_from(ChunkRow).where(ChunkRow.document_key == key)
        ).scalar_one()


async def wait_for(client: httpx.AsyncClient, status_url: str, limit: float = JOB_TIMEOUT) -> dict[str, Any]:
    """Poll a job until it ends; ``seen`` lists the (state, stage) pairs observed on the way."""
    deadline = time.monotonic() + limit
    seen: list[tuple[str, str]] = []
    while True:
        body = (await client.get(status_url, headers=AUTH)).json()
        if not seen or seen[-1] != (body["state"], body["stage"]):
            seen.append((body["state"], body["stage"]))
        if body["state"] in ("succeeded", "failed", "partial"):
            return {**body, "seen": seen}
        assert time.monotonic() < deadline, f"job still {body['stage']} after {limit} s"
        await asyncio.sleep(0.2)


async def submit_text(client: httpx.AsyncClient, key: str, text: str, **extra: Any) -> dict[str, Any]:
    response = await client.post(
        "/process/text",
        json={"document_key": key, "title": key.split(":")[-1], "text": text, "format": "markdown", **extra},
        headers=AUTH,
    )
    assert response.status_code == 202, response.text
    return await wait_for(client, response.json()["status_url"])


async def search(client: httpx.AsyncClient, query: str, **body: Any) -> list[dict[str, Any]]:
    response = await client.post("/search", json={"query": query, **body}, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()["results"]


@pytest.fixture
def live(celery_worker: Worker) -> Worker:
    return celery_worker


async def test_a_text_becomes_searchable_by_meaning_and_keyword(
    live: Worker, client: httpx.AsyncClient, sync_engine: Engine, chroma_url: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    cooking, storage = f"recipe:{tag}", f"project:{tag}"
    job = await submit_text(client, cooking, COOKING, metadata={"kind": "recipe"})
    assert job["state"] == "succeeded", job
    assert job["progress"] == 100 and job["attempts"] == 1
    assert set(job["timings"]) == {"fetching", "extracting", "chunking", "embedding", "storing"}
    assert all(state in ("queued", "running", "succeeded") for state, _ in job["seen"])
    assert job["result"]["summary"]
    assert (await submit_text(client, storage, DATABASES))["state"] == "succeeded"

    chunks = job["result"]["chunks"]
    assert chunks >= 2
    assert chroma_count(chroma_url, cooking) == row_count(sync_engine, cooking) == chunks

    scope = {"document_key": [cooking, storage]}
    by_meaning = await search(client, "how long should noodles boil?", k=3, filters=scope)
    assert by_meaning[0]["document_key"] == cooking
    assert by_meaning[0]["scores"]["vector_rank"] == 1
    assert by_meaning[0]["metadata"]["kind"] == "recipe"
    assert by_meaning[0]["title"] == tag
    by_keyword = await search(client, "Quetzalcoatlus", k=3, filters=scope)
    assert by_keyword[0]["document_key"] == storage
    assert "Quetzalcoatlus" in by_keyword[0]["text"]
    assert by_keyword[0]["scores"]["keyword_rank"] == 1
    # The shared client's shape: chunk id, document id and the fused score.
    assert by_keyword[0]["chunk_id"] and by_keyword[0]["document_id"] and by_keyword[0]["score"] > 0


async def test_same_text_under_another_key_answers_the_stored_document(
    live: Worker, client: httpx.AsyncClient
) -> None:
    text = f"{DATABASES}\n\nRevision {uuid.uuid4().hex}."
    first = await submit_text(client, f"note:{uuid.uuid4().hex}", text)
    response = await client.post(
        "/process/text",
        json={"document_key": f"copy:{uuid.uuid4().hex}", "title": "Copy", "text": text},
        headers=AUTH,
    )
    assert response.status_code == 200, response.text
    assert response.json()["document_id"] == first["result"]["document_id"]


async def test_replacing_and_deleting_by_key_leaves_no_orphans(
    live: Worker, client: httpx.AsyncClient, sync_engine: Engine, chroma_url: str
) -> None:
    key = f"project:{uuid.uuid4().hex}"
    long_text = "# Notes\n\n" + "\n\n".join(f"Paragraph {i}: {COOKING[9:]}" for i in range(8))
    first = await submit_text(client, key, long_text)
    assert first["result"]["chunks"] > 3
    second = await submit_text(client, key, f"# Notes\n\nNow a single short note {uuid.uuid4().hex}.")
    assert second["result"]["chunks"] == 1
    assert second["result"]["document_id"] == first["result"]["document_id"]
    assert chroma_count(chroma_url, key) == row_count(sync_engine, key) == 1

    assert (await client.delete(f"/documents/{key}", headers=AUTH)).status_code == 204
    assert chroma_count(chroma_url, key) == row_count(sync_engine, key) == 0
    with Session(sync_engine) as session:
        assert session.execute(select(Document).where(Document.document_key == key)).first() is None
    assert (await client.get(f"/documents/{key}", headers=AUTH)).status_code == 404
    assert (await client.delete(f"/documents/{key}", headers=AUTH)).status_code == 404


def parent_pid(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


async def test_a_worker_child_killed_mid_task_redoes_the_job_once(
    live: Worker, client: httpx.AsyncClient, sync_engine: Engine, chroma_url: str
) -> None:
    words = (COOKING + " " + DATABASES).replace("#", "").split()
    rng = random.Random(7)
    paragraphs = [" ".join(rng.choice(words) for _ in range(150)) + "." for _ in range(160)]
    key = f"long:{uuid.uuid4().hex}"
    response = await client.post(
        "/process/text",
        json={"document_key": key, "title": "Long", "text": "\n\n".join(paragraphs)},
        headers=AUTH,
    )
    job_id = uuid.UUID(response.json()["job_id"])

    deadline = time.monotonic() + JOB_TIMEOUT
    while True:
        with Session(sync_engine) as session:
            job = session.execute(select(ProcessingJob).where(ProcessingJob.id == job_id)).scalar_one()
        if job.state == "embedding" and job.progress > 35 and job.worker_pid:
            break
        assert job.state not in ("succeeded", "failed"), "the job ended before it could be interrupted"
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    victim = job.worker_pid
    assert parent_pid(victim) == live.pid  # a prefork child of the worker this suite started
    os.kill(victim, signal.SIGKILL)

    final = await wait_for(client, response.json()["status_url"])
    assert final["state"] == "succeeded", final
    assert final["attempts"] == 2
    chunks = final["result"]["chunks"]
    assert chunks > 100
    assert chroma_count(chroma_url, key) == row_count(sync_engine, key) == chunks
    with Session(sync_engine) as session:
        assert (
            session.execute(select(ProcessingJob.worker_pid).where(ProcessingJob.id == job_id)).scalar()
            is None
        )


async def test_pdfs_by_url_and_by_upload(
    live: Worker, client: httpx.AsyncClient, sync_engine: Engine, chroma_url: str
) -> None:
    marker = uuid.uuid4().hex[:10]
    body = "The Raft protocol elects a leader and the replicas follow its log. " * 20
    pages = [f"Page {n}. {body} Marker {marker} page {n}." for n in range(1, 4)]
    pages.append(f"Appendix: the frobnicator{marker} table lists every shard and its leader.")
    pdf = text_pdf(pages, title=f"Consensus notes {marker}")
    with fake_upstream({"/paper.pdf": Reply(200, pdf, {"Content-Type": "application/pdf"})}) as upstream:
        fetched = await client.post("/process/pdf", json={"url": f"{upstream.url}/paper.pdf"}, headers=AUTH)
        assert fetched.status_code == 202, fetched.text
        by_url = await wait_for(client, fetched.json()["status_url"])
    assert by_url["state"] == "succeeded", by_url
    assert by_url["result"]["pages"] == 4
    key = by_url["document_key"]
    assert key == f"pdf:{upstream.url}/paper.pdf"
    hits = await search(client, f"frobnicator{marker}", k=2, filters={"document_key": key})
    assert hits[0]["metadata"]["page_end"] == 4 and hits[0]["page"] >= 3  # overlap may reach back
    assert hits[0]["source_type"] == "pdf"
    assert hits[0]["title"] == f"Consensus notes {marker}"
    assert hits[0]["source_url"] == f"{upstream.url}/paper.pdf"

    # The very same bytes uploaded: recognised before any job.
    same = await client.post(
        "/process/pdf", files={"file": ("paper.pdf", pdf, "application/pdf")}, headers=AUTH
    )
    assert same.status_code == 200, same.text
    assert same.json()["document_key"] == key

    # Other bytes, same text: a job that finds the stored document once the text is known.
    retitled = text_pdf(pages, title="Another title")
    upload = await client.post(
        "/process/pdf", files={"file": ("copy.pdf", retitled, "application/pdf")}, headers=AUTH
    )
    assert upload.status_code == 202, upload.text
    copy = await wait_for(client, upload.json()["status_url"])
    assert copy["state"] == "succeeded"
    assert copy["result"]["duplicate_of"] == key
    assert row_count(sync_engine, copy["document_key"]) == 0

    # A fresh upload under its own key is indexed with its pages.
    fresh_pages = [f"Fresh upload {marker} about gardening tomatoes in summer."] * 2
    fresh = await client.post(
        "/process/pdf",
        files={"file": ("fresh.pdf", text_pdf(fresh_pages), "application/pdf")},
        data={"document_key": f"upload:{marker}", "metadata": json.dumps({"arxiv_id": f"2401.{marker[:5]}"})},
        headers=AUTH,
    )
    done = await wait_for(client, fresh.json()["status_url"])
    assert done["state"] == "succeeded", done
    assert chroma_count(chroma_url, f"upload:{marker}") == row_count(sync_engine, f"upload:{marker}") > 0
    by_paper = await search(client, "gardening tomatoes", k=3, filters={"arxiv_id": f"2401.{marker[:5]}"})
    assert by_paper and {hit["document_key"] for hit in by_paper} == {f"upload:{marker}"}


async def test_a_failing_job_fails_with_its_code(live: Worker, client: httpx.AsyncClient) -> None:
    with fake_upstream({}) as upstream:
        response = await client.post(
            "/process/pdf", json={"url": f"{upstream.url}/missing.pdf"}, headers=AUTH
        )
        job = await wait_for(client, response.json()["status_url"])
    assert job["state"] == "failed"
    assert job["error"]["code"] == "not_found"
    assert job["result"] is None


class Receiver:
    """A stand-in for core's webhook endpoint: verifies every delivery, keeps the verified ones."""

    def __init__(self, secrets: list[str]) -> None:
        self.events: list[dict[str, Any]] = []
        self.rejected = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    verify(secrets, dict(self.headers.items()), body)
                except Exception:
                    receiver.rejected += 1
                    self.send_response(401)
                else:
                    receiver.events.append({"path": self.path, **json.loads(body)})
                    self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)


@pytest.fixture
def receiver(settings: DocumentsSettings) -> Iterator[Receiver]:
    receiver = Receiver(settings.webhook_signing_secrets)
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


async def test_the_webhook_reaches_core_signed(
    live: Worker,
    client: httpx.AsyncClient,
    receiver: Receiver,
    settings: DocumentsSettings,
    database_url: str,
) -> None:
    key = f"hook:{uuid.uuid4().hex}"
    job = await submit_text(client, key, f"# Hook\n\nA note for the webhook {key}.")
    with fake_upstream({}) as upstream:
        response = await client.post("/process/pdf", json={"url": f"{upstream.url}/gone.pdf"}, headers=AUTH)
        failed = await wait_for(client, response.json()["status_url"])

    dispatcher = Dispatcher(
        database_url,
        targets={"core": receiver.url},
        webhook_secrets={"core": settings.webhook_signing_secrets},
        timeout=5,
        lease_seconds=30,
    )
    try:
        deadline = time.monotonic() + 60
        wanted = {job["id"], failed["id"]}
        while wanted - {e["data"]["job_id"] for e in receiver.events}:
            await asyncio.to_thread(dispatcher.run_once)
            assert time.monotonic() < deadline
    finally:
        dispatcher.close()
    assert receiver.rejected == 0
    by_job = {e["data"]["job_id"]: e for e in receiver.events}
    ok = by_job[job["id"]]
    assert ok["type"] == "document.processed" and ok["path"] == "/api/webhooks/document-processed/"
    assert ok["data"]["state"] == "succeeded"
    assert ok["data"]["document_key"] == key
    assert ok["data"]["document_id"] == job["result"]["document_id"]
    assert ok["data"]["chunks"] == job["result"]["chunks"]
    assert ok["data"]["summary"] == job["result"]["summary"]
    bad = by_job[failed["id"]]
    assert bad["data"]["state"] == "failed"
    assert bad["data"]["error"]["code"] == "not_found"


async def test_the_shared_typed_client_reads_every_answer(live: Worker, settings: DocumentsSettings) -> None:
    from conftest import TEST_KEYS

    from portfolio_documents.main import create_app
    from portfolio_shared.auth import SignedTokenProvider
    from portfolio_shared.clients.documents import DocumentsClient
    from portfolio_shared.contracts import PROCESS_TEXT
    from portfolio_shared.schemas import DocumentInfo, JobAccepted, TextForIndexing

    app = create_app(settings)
    key = f"client:{uuid.uuid4().hex}"
    text = f"# Client\n\nThe typed client of core reads this note about {key}."
    async with app.router.lifespan_context(app):
        client = DocumentsClient(
            "http://documents",
            caller="core",
            token_provider=SignedTokenProvider("core", TEST_KEYS["core"]),
            transport=httpx.ASGITransport(app=app),
        )
        async with client:
            first = TextForIndexing(document_key=key, title="Client", text=text)
            response = await client.send(PROCESS_TEXT.bind(first))
            assert response.status_code == 202
            accepted = JobAccepted.model_validate_json(response.content)
            deadline = time.monotonic() + JOB_TIMEOUT
            while (job := await client.status(accepted.job_id)).state not in ("succeeded", "failed"):
                assert time.monotonic() < deadline
                await asyncio.sleep(0.2)
            assert job.state == "succeeded" and job.result is not None and job.result.chunks == 1
            copy = TextForIndexing(document_key=f"{key}:copy", title="Copy", text=text)
            response = await client.send(PROCESS_TEXT.bind(copy))
            assert response.status_code == 200
            again = DocumentInfo.model_validate_json(response.content)
            assert again.document_key == key
            hits = await client.search("typed client of core", k=3, filters={"document_key": key})
            assert hits and hits[0].document_key == key and hits[0].score > 0
            assert await client.delete_document(key) is True
            assert await client.delete_document(key) is False
