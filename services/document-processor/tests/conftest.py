"""Real dependencies for the document processor's tests: a migrated database of its own, a Chroma
server on a free port, and a Celery worker subprocess on a Redis db and queue of its own.

Everything this session writes is namespaced: its own database, Celery queue, Chroma collection
prefix and media directory; the queue's Redis keys are removed at the end.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import Engine
from sqlalchemy import create_engine as create_sync_engine

from portfolio_documents.config import DocumentsSettings
from portfolio_documents.main import create_app
from portfolio_documents.migrate import SCRIPT_LOCATION
from portfolio_shared.auth import SigningKey, generate_keyring, issue_token, workload_env
from portfolio_shared.sql import run_migrations, sqlalchemy_url
from portfolio_shared.testing import temporary_database

DATABASE_PREFIX = "test_portfolio_documents"
REDIS_URL = os.environ.get("TEST_DOCUMENTS_REDIS_URL", "redis://127.0.0.1:6379/14")
REPO_ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
#: Short, so a message whose worker vanished comes back quickly (the crash test relies on redelivery).
VISIBILITY_TIMEOUT = 20
SESSION_TAG = uuid.uuid4().hex[:8]
QUEUE = f"test-documents-{SESSION_TAG}"
COLLECTION_PREFIX = f"t{SESSION_TAG}"
#: The tests' own keys: every caller's private key; the app under test holds their public keys.
TEST_KEYS = generate_keyring()


def auth_headers(
    caller: str = "core", key: SigningKey | None = None, audience: str = "documents"
) -> dict[str, str]:
    """A service token from ``caller`` to the document processor (signed with ``caller``'s test key
    unless ``key`` is given)."""
    token = issue_token(issuer=caller, audience=audience, key=key or TEST_KEYS[caller])
    return {"Authorization": f"Bearer {token}"}


class FreshAuth(Mapping[str, str]):
    """``{"Authorization": ...}`` with a token minted at each use: a token minted once at import
    expires (5 minutes) before the last test of a long run uses it."""

    def __init__(self, caller: str = "core") -> None:
        self.caller = caller

    def __getitem__(self, name: str) -> str:
        if name != "Authorization":
            raise KeyError(name)
        return auth_headers(self.caller)["Authorization"]

    def __iter__(self) -> Iterator[str]:
        return iter(("Authorization",))

    def __len__(self) -> int:
        return 1


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


@pytest.fixture(scope="session")
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session", autouse=True)
def _forget_queue() -> Iterator[None]:
    """Remove this session's Celery queue from the test Redis db at the end."""
    yield
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.delete(QUEUE, *client.keys(f"{QUEUE}*"))
    finally:
        client.close()


@dataclass(frozen=True)
class Worker:
    queue: str
    redis_url: str
    log: Path
    pid: int


@contextmanager
def running_worker(
    queue: str,
    log_path: Path,
    *,
    database_url: str,
    chroma_url: str,
    media_root: Path,
    allow_private: bool,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Worker]:
    """``celery -A portfolio_documents.worker worker --pool prefork -c 1`` on ``queue``, with the real
    local embedder, this session's Chroma prefix and a short visibility timeout (``extra_env`` adds to
    or replaces its environment); stopped by its pid."""
    env = {
        **os.environ,
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "test",
        "CHROMA_URL": chroma_url,
        "CHROMA_COLLECTION_PREFIX": COLLECTION_PREFIX,
        "MEDIA_ROOT": str(media_root),
        "CELERY_QUEUE": queue,
        "BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "OUTBOUND_ALLOW_PRIVATE": "true" if allow_private else "false",
        "OUTBOUND_ALLOWED_PORTS": "*",  # fake upstreams listen on free ports
        "EMBEDDING_PROVIDER": "local",
        **(extra_env or {}),
    }
    command = [str(BIN / "celery"), "-A", "portfolio_documents.worker", "worker", "--pool", "prefork"]
    command += ["-c", "1", "-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle"]
    command += ["--loglevel", "INFO"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield Worker(queue=queue, redis_url=REDIS_URL, log=log_path, pid=process.pid)
        finally:
            stop(process)


@pytest.fixture(scope="session")
def celery_worker(
    database_url: str, chroma_url: str, media_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    """A worker that may fetch from local servers (``OUTBOUND_ALLOW_PRIVATE=true``)."""
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    with running_worker(
        QUEUE,
        log_path,
        database_url=database_url,
        chroma_url=chroma_url,
        media_root=media_root,
        allow_private=True,
    ) as worker:
        yield worker


@pytest.fixture(scope="session")
def sync_engine(database_url: str) -> Iterator[Engine]:
    engine = create_sync_engine(sqlalchemy_url(database_url))
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def settings(database_url: str, chroma_url: str, media_root: Path) -> DocumentsSettings:
    return DocumentsSettings(
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        CHROMA_URL=chroma_url,
        ENVIRONMENT="test",
        CHROMA_COLLECTION_PREFIX=COLLECTION_PREFIX,
        MEDIA_ROOT=str(media_root),
        CELERY_QUEUE=QUEUE,
        OUTBOUND_ALLOW_PRIVATE=True,
        OUTBOUND_ALLOWED_PORTS="*",  # fake upstreams listen on free ports
        EMBEDDING_PROVIDER="local",
        **workload_env(TEST_KEYS, signs_as=None, accepts=TEST_KEYS),
    )


@pytest.fixture
async def client(settings: DocumentsSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://documents") as c:
            yield c
