"""``python -m portfolio_documents ingest PATH_OR_URL...``: index files and URLs through the same jobs.

Each argument becomes a processing job row (exactly what the API creates): a ``.pdf`` file is put in
the storage backend, ``.md``/``.txt``/``.html`` files become text jobs, a GitHub URL a repository job
and any other http(s) URL a PDF to fetch. The jobs then run in this process through the pipeline
(default), or go to the Celery queue (``--worker``) and, with ``--wait``, are followed until they end.
A progress bar per job shows its stage; the exit status is 1 when any job failed.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from portfolio_documents import runtime
from portfolio_documents.config import DocumentsSettings, get_settings
from portfolio_documents.models import ProcessingJob
from portfolio_documents.processing import sources
from portfolio_shared.errors import PortfolioError

TEXT_FORMATS = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html", ".htm": "html"}
GITHUB_HOSTS = ("github.com", "www.github.com")
PROCESS_JOB = "documents.process_job"
TERMINAL = ("succeeded", "failed", "partial")


class InputError(Exception):
    """An argument that cannot become a job."""


def source_for(
    target: str, settings: DocumentsSettings, *, key: str | None, include_docs: bool
) -> sources.Source:
    """The job source for one command-line argument."""
    if target.startswith(("http://", "https://")):
        host = (urlsplit(target).hostname or "").lower()
        if host in GITHUB_HOSTS:
            from portfolio_documents.processing.net.fetch import parse_repo

            owner, name = parse_repo(target)
            return sources.github_source(owner, name, include_docs=include_docs, document_key=key)
        return sources.pdf_url_source(target, document_key=key)
    path = Path(target)
    if not path.is_file():
        raise InputError(f"{target}: no such file (and not an http(s) URL)")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        data = path.read_bytes()
        if len(data) > settings.max_upload_bytes:
            raise InputError(f"{target}: larger than MAX_UPLOAD_MB ({settings.max_upload_mb} MB)")
        if b"%PDF-" not in data[:1024]:
            raise InputError(f"{target}: not a PDF (no %PDF- header)")
        stored = runtime.storage(settings).put(data, suffix=".pdf")
        return sources.pdf_upload_source(
            stored,
            file_sha256=hashlib.sha256(data).hexdigest(),
            filename=path.name,
            document_key=key,
        )
    if suffix in TEXT_FORMATS:
        text = path.read_text(encoding="utf-8", errors="replace")
        return sources.text_source(
            document_key=key or f"file:{path.resolve()}",
            title=path.stem.replace("-", " ").replace("_", " ").strip() or path.name,
            text=text,
            text_format=TEXT_FORMATS[suffix],
        )
    raise InputError(
        f"{target}: unsupported file type {suffix or '(none)'}; expected .pdf, .md, .txt or .html"
    )


def create_jobs(sessions: sessionmaker[Session], planned: Sequence[sources.Source]) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in planned]
    with sessions() as session, session.begin():
        for job_id, source in zip(ids, planned, strict=True):
            session.add(ProcessingJob(id=job_id, source=source, document_key=source.get("document_key")))
    return ids


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}", style="bold"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[stage]}"),
        TimeElapsedColumn(),
        console=console,
    )


def run_in_process(
    settings: DocumentsSettings, job_ids: Sequence[uuid.UUID], labels: Sequence[str], console: Console
) -> None:
    with _progress(console) as progress:
        for job_id, label in zip(job_ids, labels, strict=True):
            task = progress.add_task(label, total=100, stage="queued")

            def report(state: str, percent: int, task: TaskID = task) -> None:
                progress.update(task, completed=percent, stage=state)

            pipeline = runtime.build_pipeline(settings, on_progress=report, embedded_chroma=True)
            try:
                pipeline.run(job_id)
            except Exception as exc:
                pipeline.fail(job_id, "internal_error", f"{type(exc).__name__}: {exc}")
                raise


def run_on_worker(
    settings: DocumentsSettings,
    sessions: sessionmaker[Session],
    job_ids: Sequence[uuid.UUID],
    labels: Sequence[str],
    console: Console,
    *,
    wait: bool,
    timeout: float,
) -> None:
    from portfolio_documents.worker import create_celery

    celery = create_celery(settings)
    for job_id in job_ids:
        celery.send_task(PROCESS_JOB, args=[str(job_id)], queue=settings.celery_queue, ignore_result=True)
    if not wait:
        for job_id, label in zip(job_ids, labels, strict=True):
            console.print(f"queued {label}: job {job_id}")
        return
    deadline = time.monotonic() + timeout
    with _progress(console) as progress:
        tasks = {
            job_id: progress.add_task(label, total=100, stage="queued")
            for job_id, label in zip(job_ids, labels, strict=True)
        }
        while True:
            with sessions() as session:
                rows = (
                    session.execute(select(ProcessingJob).where(ProcessingJob.id.in_(job_ids)))
                    .scalars()
                    .all()
                )
            for row in rows:
                progress.update(tasks[row.id], completed=row.progress, stage=row.state)
            if all(row.state in TERMINAL for row in rows) or time.monotonic() > deadline:
                return
            time.sleep(0.5)


def summary(sessions: sessionmaker[Session], job_ids: Sequence[uuid.UUID], console: Console) -> bool:
    """Print one line per job; True when every job succeeded."""
    table = Table("document", "state", "chunks", "outcome")
    ok = True
    with sessions() as session:
        for job_id in job_ids:
            row = session.execute(select(ProcessingJob).where(ProcessingJob.id == job_id)).scalar_one()
            result, error = row.result or {}, row.error or {}
            ok = ok and row.state == "succeeded"
            if row.state == "succeeded":
                outcome = (
                    f"duplicate of {result['duplicate_of']}" if result.get("duplicate_of") else "indexed"
                )
            elif row.state == "failed":
                outcome = f"{error.get('code')}: {error.get('message')}"
            else:
                outcome = f"still {row.state} (job {job_id})"
            table.add_row(str(row.document_key), row.state, str(result.get("chunks", "")), outcome)
    console.print(table)
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m portfolio_documents", description=__doc__.split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest", help="index files and URLs")
    ingest.add_argument("targets", nargs="+", metavar="PATH_OR_URL")
    ingest.add_argument("--key", help="the document key (only with a single target)")
    ingest.add_argument("--include-docs", action="store_true", help="GitHub: also the Markdown under docs/")
    ingest.add_argument("--worker", action="store_true", help="send the jobs to the Celery worker")
    ingest.add_argument("--wait", action="store_true", help="with --worker: follow the jobs until they end")
    ingest.add_argument(
        "--timeout", type=float, default=900, help="with --wait: give up after this many seconds"
    )
    args = parser.parse_args(argv)
    if args.key and len(args.targets) > 1:
        parser.error("--key names one document: give a single target")

    console = Console(stderr=True)
    settings = get_settings()
    try:
        planned = [
            source_for(target, settings, key=args.key, include_docs=args.include_docs)
            for target in args.targets
        ]
    except (InputError, PortfolioError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    sessions = sessionmaker(runtime.sync_engine(settings.database_url), expire_on_commit=False)
    job_ids = create_jobs(sessions, planned)
    labels = [str(source.get("document_key")) for source in planned]
    if args.worker:
        run_on_worker(settings, sessions, job_ids, labels, console, wait=args.wait, timeout=args.timeout)
        if not args.wait:
            return 0
    else:
        run_in_process(settings, job_ids, labels, console)
    return 0 if summary(sessions, job_ids, console) else 1


if __name__ == "__main__":
    sys.exit(main())
