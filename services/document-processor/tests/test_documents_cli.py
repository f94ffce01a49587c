"""``python -m portfolio_documents ingest``: files become jobs run through the same pipeline, in the
CLI's own process or on the worker (``--worker --wait``), with a progress bar and a summary."""

from __future__ import annotations

import uuid
from pathlib import Path

from conftest import COLLECTION_PREFIX, QUEUE, REDIS_URL, REPO_ROOT, Worker
from documents_pdfs import text_pdf
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portfolio_documents.models import Document, ProcessingJob
from portfolio_documents.processing.index.store import open_chroma
from portfolio_shared.testing import run_module


def cli_env(database_url: str, chroma_url: str, media_root: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "CHROMA_URL": chroma_url,
        "CHROMA_COLLECTION_PREFIX": COLLECTION_PREFIX,
        "MEDIA_ROOT": str(media_root),
        "REDIS_URL": REDIS_URL,
        "CELERY_QUEUE": QUEUE,
        "EMBEDDING_PROVIDER": "local",
        "ENVIRONMENT": "test",
        "COLUMNS": "120",
    }


def documents(engine: Engine, keys: list[str]) -> dict[str, Document]:
    with Session(engine) as session:
        rows = session.execute(select(Document).where(Document.document_key.in_(keys))).scalars()
        return {row.document_key: row for row in rows}


def test_ingest_files_in_process(
    tmp_path: Path, database_url: str, chroma_url: str, media_root: Path, sync_engine: Engine
) -> None:
    marker = uuid.uuid4().hex
    note = tmp_path / "field-notes.md"
    note.write_text(f"# Field notes\n\nObservations of the heron colony, tagged {marker}.\n")
    paper = tmp_path / "paper.pdf"
    paper.write_bytes(text_pdf([f"A one page paper about herons {marker}.", "Second page."], title="Herons"))

    result = run_module(
        "portfolio_documents",
        "ingest",
        str(note),
        str(paper),
        env=cli_env(database_url, chroma_url, media_root),
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "indexed" in result.stderr and "100%" in result.stderr

    note_key = f"file:{note.resolve()}"
    stored = documents(sync_engine, [note_key])
    assert stored[note_key].title == "field notes" and stored[note_key].chunks >= 1
    with Session(sync_engine) as session:
        pdf_job = session.execute(
            select(ProcessingJob).where(ProcessingJob.source["filename"].astext == "paper.pdf")
        ).scalar_one()
    assert pdf_job.state == "succeeded" and pdf_job.result["pages"] == 2  # type: ignore[index]
    collection = open_chroma(chroma_url).get_collection(f"{COLLECTION_PREFIX}-all-minilm-l6-v2")
    assert len(collection.get(where={"document_key": pdf_job.document_key})["ids"]) >= 1


def test_ingest_refuses_what_it_cannot_index(tmp_path: Path, database_url: str, chroma_url: str) -> None:
    env = cli_env(database_url, chroma_url, tmp_path)
    missing = run_module("portfolio_documents", "ingest", str(tmp_path / "nope.md"), env=env, cwd=REPO_ROOT)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"GIF89a not a pdf")
    refused = run_module("portfolio_documents", "ingest", str(fake), env=env, cwd=REPO_ROOT)
    assert refused.returncode == 2 and "not a PDF" in refused.stderr


def test_ingest_on_the_worker_and_wait(
    celery_worker: Worker,
    tmp_path: Path,
    database_url: str,
    chroma_url: str,
    media_root: Path,
    sync_engine: Engine,
) -> None:
    note = tmp_path / "worker-note.txt"
    note.write_text(f"A plain text note processed by the worker {uuid.uuid4().hex}.")
    result = run_module(
        "portfolio_documents",
        "ingest",
        "--worker",
        "--wait",
        "--key",
        f"cli:{note.name}",
        str(note),
        env=cli_env(database_url, chroma_url, media_root),
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert documents(sync_engine, [f"cli:{note.name}"])[f"cli:{note.name}"].chunks == 1
