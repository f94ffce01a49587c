"""Real dependencies for the document processor's tests: a migrated database of its own, a Chroma
server on a free port, and a Celery worker subprocess on a Redis db and queue of its own."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from portfolio_documents.config import DocumentsSettings
from portfolio_documents.main import create_app
from portfolio_documents.migrate import SCRIPT_LOCATION
from portfolio_shared.sql import run_migrations
from portfolio_shared.testing import temporary_database

DATABASE_PREFIX = "test_portfolio_documents"
REDIS_URL = os.environ.get("TEST_DOCUMENTS_REDIS_URL", "redis://127.0.0.1:6379/14")
REPO_ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a subprocess this suite started (its own session), politely first."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group is the one we created for it
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with temporary_database(prefix=DATABASE_PREFIX) as url:
        run_migrations(SCRIPT_LOCATION, url)
        yield url


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``chroma run`` server on a free port, stopped by pid at the end."""
    directory = tmp_path_factory.mktemp("chroma")
    port = free_port()
    log = (directory / "chroma.log").open("wb")
    process = subprocess.Popen(
        [str(BIN / "chroma"), "run", "--path", str(directory / "data"), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"chroma exited: {(directory / 'chroma.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).is_success:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("chroma did not answer its heartbeat within 90 s")
            time.sleep(0.3)
        yield url
    finally:
        stop(process)
        log.close()


@dataclass(frozen=True)
class Worker:
    queue: str
    redis_url: str
    log: Path


@pytest.fixture(scope="session")
def celery_worker(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """``celery -A portfolio_documents.worker worker --pool prefork -c 1`` on a queue of its own."""
    queue = f"test-documents-{uuid.uuid4().hex[:8]}"
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    log = log_path.open("wb")
    env = {**os.environ, "REDIS_URL": REDIS_URL, "DATABASE_URL": database_url, "ENVIRONMENT": "test"}
    process = subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "portfolio_documents.worker",
            "worker",
            "--pool",
            "prefork",
            "-c",
            "1",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield Worker(queue=queue, redis_url=REDIS_URL, log=log_path)
    finally:
        stop(process)
        log.close()


@pytest.fixture
def settings(database_url: str, chroma_url: str) -> DocumentsSettings:
    return DocumentsSettings(
        DATABASE_URL=database_url, REDIS_URL=REDIS_URL, CHROMA_URL=chroma_url, ENVIRONMENT="test"
    )


@pytest.fixture
async def client(settings: DocumentsSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://documents") as c:
            yield c
