"""The pipeline in process against real Postgres and Chroma (hashing embedder, fixed summary): stage
by stage progress, idempotent re-runs, a restart midway, dedup in the worker, failures with their
webhook, the attempt cap, the job lock, batches, and a GitHub repository from a local fake API."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from documents_fakes import HashingEmbedder
from fake_upstream import Reply, fake_upstream
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from portfolio_documents.models import Chunk as ChunkRow
from portfolio_documents.models import Document, ProcessingJob
from portfolio_documents.processing import jobs, sources
from portfolio_documents.processing.content import FetchLimits
from portfolio_documents.processing.index.store import ChunkStore, open_chroma
from portfolio_documents.processing.pipeline import Pipeline, PipelineConfig
from portfolio_documents.processing.storage import LocalStorage
from portfolio_shared.schemas import parse_webhook_event

PARAGRAPH = (
    "The pipeline fetches, extracts, chunks, embeds and stores every document. Each stage reports "
    "its progress so a caller can follow the job from queued to succeeded. "
)
MARKDOWN = "# Guide\n\n" + PARAGRAPH * 6 + "\n\n## Details\n\n" + PARAGRAPH * 6


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []

    def __call__(self, state: str, progress: int) -> None:
        self.events.append((state, progress))


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def store(chroma_url: str, embedder: HashingEmbedder) -> Iterator[ChunkStore]:
    client = open_chroma(chroma_url)
    store = ChunkStore(client, prefix=f"p{uuid.uuid4().hex[:8]}", model_id=embedder.model_id, dimension=64)
    yield store
    if store.name in {c if isinstance(c, str) else c.name for c in client.list_collections()}:
        client.delete_collection(store.name)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def pipeline(
    sync_engine: Engine, store: ChunkStore, embedder: HashingEmbedder, tmp_path: Path, recorder: Recorder
) -> Pipeline:
    limits = FetchLimits(
        max_bytes=1024 * 1024,
        max_pages=50,
        allow_private=True,
        allowed_ports=None,
        github_api_url="http://unused",
    )
    return Pipeline(
        engine=sync_engine,
        store=store,
        embedder=embedder,
        storage=LocalStorage(tmp_path),
        config=PipelineConfig(limits=limits, embedding_batch_size=2, max_attempts=3, chunk_max_tokens=60),
        summarizer=lambda text: "A fixed summary.",
        on_progress=recorder,
    )


def new_job(engine: Engine, source: dict[str, Any], **fields: Any) -> uuid.UUID:
    job_id = uuid.uuid4()
    with Session(engine) as session, session.begin():
        key = source.get("document_key")
        session.add(ProcessingJob(id=job_id, source=source, document_key=key, **fields))
    return job_id


def job(engine: Engine, job_id: uuid.UUID) -> ProcessingJob:
    with Session(engine) as session:
        return session.execute(select(ProcessingJob).where(ProcessingJob.id == job_id)).scalar_one()


def outbox(engine: Engine, job_id: uuid.UUID) -> list[dict[str, Any]]:
    with Session(engine) as session:
        rows = session.execute(
            text(
                "SELECT destination, path, event_type, payload FROM outbox_message"
                " WHERE payload->'data'->>'job_id' = :j"
            ),
            {"j": str(job_id)},
        ).all()
    return [dict(row._mapping) for row in rows]


def chunk_rows(engine: Engine, key: str) -> int:
    with Session(engine) as session:
        return len(session.execute(select(ChunkRow.id).where(ChunkRow.document_key == key)).all())


def text_job(
    engine: Engine, key: str | None = None, body: str | None = None, **extra: Any
) -> tuple[uuid.UUID, str]:
    """A text job; by default a text no other test stored (so it is not a duplicate)."""
    key = key or f"project:{uuid.uuid4().hex}"
    body = body or f"{MARKDOWN}\n\nUnique {uuid.uuid4().hex}."
    source = sources.text_source(document_key=key, title="Guide", text=body, text_format="markdown", **extra)
    return new_job(engine, source), key


def test_a_text_job_runs_stage_by_stage(
    pipeline: Pipeline, sync_engine: Engine, store: ChunkStore, recorder: Recorder
) -> None:
    job_id, key = text_job(sync_engine, metadata={"kind": "project"})
    assert pipeline.run(job_id) == "succeeded"

    done = job(sync_engine, job_id)
    assert (done.state, done.progress, done.attempts, done.error) == ("succeeded", 100, 1, None)
    assert done.worker_pid is None
    assert set(done.timings) == {"fetching", "extracting", "chunking", "embedding", "storing"}
    result = done.result
    assert result is not None and result["chunks"] > 2 and result["summary"] == "A fixed summary."
    assert result["characters"] > len(MARKDOWN)
    states = [state for state, _ in recorder.events]
    assert states[0] == "fetching" and states[-1] == "succeeded"
    order = ["fetching", "extracting", "chunking", "embedding", "storing", "succeeded"]
    assert [s for s in order if s in states] == order
    assert [s for s in states if s in order] == sorted((s for s in states), key=order.index)
    progress = [p for _, p in recorder.events]
    assert progress == sorted(progress) and progress[-1] == 100
    assert store.count_vectors(key) == chunk_rows(sync_engine, key) == result["chunks"]

    [message] = outbox(sync_engine, job_id)
    assert (message["destination"], message["path"], message["event_type"]) == (
        "core",
        "/api/webhooks/document-processed/",
        "document.processed",
    )
    event = parse_webhook_event(message["payload"])
    assert event.data.state == "succeeded"  # type: ignore[union-attr]
    assert event.data.document_id == result["document_id"]  # type: ignore[union-attr]
    assert event.data.chunks == result["chunks"]  # type: ignore[union-attr]

    # Running a finished job again does nothing at all.
    assert pipeline.run(job_id) is None
    assert job(sync_engine, job_id).attempts == 1
    assert len(outbox(sync_engine, job_id)) == 1


def test_a_job_interrupted_midway_restarts_cleanly(
    pipeline: Pipeline, sync_engine: Engine, store: ChunkStore
) -> None:
    job_id, key = text_job(sync_engine)
    first = pipeline.run(job_id)
    chunks = job(sync_engine, job_id).result["chunks"]  # type: ignore[index]
    assert first == "succeeded"
    # As if the worker died while storing a second run: the row says "storing", attempt 1 used.
    with Session(sync_engine) as session, session.begin():
        session.execute(
            text("UPDATE processing_job SET state = 'storing', progress = 90, result = NULL WHERE id = :j"),
            {"j": job_id},
        )
    # The content is unchanged, so the restart finds the stored document instead of re-embedding.
    assert pipeline.run(job_id) == "succeeded"
    again = job(sync_engine, job_id)
    assert again.attempts == 2
    assert store.count_vectors(key) == chunk_rows(sync_engine, key) == chunks


def test_same_content_under_another_key_points_to_the_first(
    pipeline: Pipeline, sync_engine: Engine, store: ChunkStore, embedder: HashingEmbedder
) -> None:
    body = f"{MARKDOWN} {uuid.uuid4().hex}"
    first, first_key = text_job(sync_engine, body=body)
    assert pipeline.run(first) == "succeeded"
    calls = embedder.calls
    second, second_key = text_job(sync_engine, body=body.replace("\n\n", "\n \n"))
    assert pipeline.run(second) == "succeeded"
    result = job(sync_engine, second).result
    assert result is not None
    assert result["duplicate_of"] == first_key
    assert result["document_id"] == job(sync_engine, first).result["document_id"]  # type: ignore[index]
    assert embedder.calls == calls  # nothing was embedded again
    assert store.count_vectors(second_key) == chunk_rows(sync_engine, second_key) == 0
    [message] = outbox(sync_engine, second)
    assert message["payload"]["data"]["document_key"] == first_key


def test_the_same_key_with_new_text_replaces_its_chunks(
    pipeline: Pipeline, sync_engine: Engine, store: ChunkStore
) -> None:
    first, key = text_job(sync_engine)
    pipeline.run(first)
    second, _ = text_job(sync_engine, key=key, body="# Short\n\nJust one small paragraph now.")
    assert pipeline.run(second) == "succeeded"
    assert store.count_vectors(key) == chunk_rows(sync_engine, key) == 1
    with Session(sync_engine) as session:
        assert session.execute(select(Document.chunks).where(Document.document_key == key)).scalar_one() == 1


def test_a_failure_ends_the_job_and_tells_core(pipeline: Pipeline, sync_engine: Engine) -> None:
    source = sources.pdf_upload_source("f" * 64 + ".pdf", file_sha256="f" * 64, filename="gone.pdf")
    job_id = new_job(sync_engine, source)
    assert pipeline.run(job_id) == "failed"
    failed = job(sync_engine, job_id)
    assert failed.error == {"code": "stored_file_missing", "message": f"No stored file {'f' * 64}.pdf."}
    assert failed.result is None and failed.progress == 100
    [message] = outbox(sync_engine, job_id)
    data = message["payload"]["data"]
    assert (data["state"], data["error"]["code"], data["document_key"]) == (
        "failed",
        "stored_file_missing",
        source["document_key"],
    )


def test_empty_text_fails_with_its_own_code(pipeline: Pipeline, sync_engine: Engine) -> None:
    source = sources.text_source(document_key="e", title="t", text="<script>x</script>", text_format="html")
    job_id = new_job(sync_engine, source)
    assert pipeline.run(job_id) == "failed"
    assert job(sync_engine, job_id).error["code"] == "empty_document"  # type: ignore[index]


def test_a_job_whose_worker_kept_dying_is_given_up(pipeline: Pipeline, sync_engine: Engine) -> None:
    job_id, _ = text_job(sync_engine)
    with Session(sync_engine) as session, session.begin():
        session.execute(
            text("UPDATE processing_job SET state='embedding', attempts=3 WHERE id=:j"), {"j": job_id}
        )
    assert pipeline.run(job_id) == "failed"
    failed = job(sync_engine, job_id)
    assert failed.error["code"] == "worker_lost"  # type: ignore[index]
    assert failed.attempts == 4


def test_a_job_running_elsewhere_is_left_alone(pipeline: Pipeline, sync_engine: Engine) -> None:
    job_id, _ = text_job(sync_engine)
    with jobs.job_lock(sync_engine, job_id) as held:
        assert held
        assert pipeline.run(job_id) is None
    assert job(sync_engine, job_id).state == "queued"
    assert pipeline.run(job_id) == "succeeded"


def test_a_batch_follows_its_items(pipeline: Pipeline, sync_engine: Engine) -> None:
    batch_id = new_job(sync_engine, sources.batch_source(2))
    good = sources.text_source(
        document_key=f"b:{uuid.uuid4().hex}", title="ok", text=f"{MARKDOWN} {uuid.uuid4()}"
    )
    bad = sources.pdf_url_source("http://127.0.0.1:9/missing.pdf")
    first = new_job(sync_engine, good, parent_id=batch_id)
    second = new_job(sync_engine, bad, parent_id=batch_id)
    assert pipeline.run(first) == "succeeded"
    assert job(sync_engine, batch_id).state == "running"
    assert pipeline.run(second) == "failed"
    batch = job(sync_engine, batch_id)
    assert (batch.state, batch.progress) == ("partial", 100)
    assert batch.result == {"items": 2, "succeeded": 1}


def test_a_github_repository_through_a_local_api(
    pipeline: Pipeline, sync_engine: Engine, store: ChunkStore
) -> None:
    def contents(path: str, body: str) -> Reply:
        item = {
            "type": "file",
            "encoding": "base64",
            "size": len(body),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "content": base64.b64encode(body.encode()).decode(),
            "html_url": f"https://github.com/octo/repo/blob/main/{path}",
        }
        return Reply(200, json.dumps(item).encode(), {"Content-Type": "application/json"})

    readme = "# Repo\n\nA repository that indexes its README. " + PARAGRAPH
    guide = "# Install\n\nRun the installer with the quux flag. " + PARAGRAPH
    listing = [{"type": "file", "name": "install.md", "path": "docs/install.md", "size": len(guide)}]
    routes = {
        "/repos/octo/repo/readme": contents("README.md", readme),
        "/repos/octo/repo/contents/docs": Reply(
            200, json.dumps(listing).encode(), {"Content-Type": "application/json"}
        ),
        "/repos/octo/repo/contents/docs/install.md": contents("docs/install.md", guide),
    }
    with fake_upstream(routes) as api:
        limits = FetchLimits(
            max_bytes=1024 * 1024,
            max_pages=50,
            allow_private=True,
            allowed_ports=None,
            github_api_url=api.url,
        )
        pipeline.config = PipelineConfig(limits=limits, embedding_batch_size=8, chunk_max_tokens=60)
        job_id = new_job(sync_engine, sources.github_source("octo", "repo", include_docs=True))
        assert pipeline.run(job_id) == "succeeded", job(sync_engine, job_id).error
    done = job(sync_engine, job_id)
    assert done.result["document_key"] == "github:octo/repo"  # type: ignore[index]
    with Session(sync_engine) as session:
        document = session.execute(
            select(Document).where(Document.document_key == "github:octo/repo")
        ).scalar_one()
        assert (document.title, document.source_type) == ("octo/repo", "github")
        assert document.source_url == "https://github.com/octo/repo/blob/main/README.md"
        rows = session.execute(select(ChunkRow).where(ChunkRow.document_id == document.id)).scalars()
        paths = [row.heading_path for row in rows]
    assert ["Repo"] in paths
    assert ["docs/install.md", "Install"] in paths
