"""The real document processor as processes on free ports, for core's cross-service admin tests.

:func:`processor_processes` starts the API (``uvicorn portfolio_documents.main:app``) on a throwaway,
migrated database, and on request a real Chroma server and Celery worker (prefork, its own queue)
with the offline embedder. ``CORE_URL`` is this test's core (pytest-django's live server). Both
sides use the committed development keys, as processes started by hand do. ``port`` lets a test
name the API's port before the API is up (a target that is down, then comes back at its address).
Everything started is stopped by its process group; the database is dropped.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from portfolio_shared.sql import run_migrations
from portfolio_shared.testing import temporary_database
from portfolio_shared.testing_sockets import closed_port

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from portfolio_documents.migrate import SCRIPT_LOCATION  # noqa: E402
from scripts.stack import running, wait_until  # noqa: E402

BIN = Path(sys.executable).parent
#: Variables that would point the processor elsewhere or change whom it trusts.
_DROPPED = (
    "DJANGO_",
    "SERVICE_",
    "DATABASE_URL",
    "CORE_URL",
    "SCRAPER_URL",
    "DOCUMENTS_URL",
    "CHROMA_",
    "CELERY_",
)


@dataclass
class Processor:
    url: str
    database_url: str
    env: dict[str, str]


def _up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def processor_processes(
    tmp: Path, core_url: str, *, port: int | None = None, worker: bool = False
) -> Iterator[Processor]:
    """The processor's API (and with ``worker`` Chroma and a Celery worker), ready."""
    with ExitStack() as stack:
        db = stack.enter_context(temporary_database(prefix="test_core_admin_documents"))
        run_migrations(SCRIPT_LOCATION, db)
        env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED)}
        chroma_port = closed_port()
        env.update(
            DATABASE_URL=db,
            ENVIRONMENT="test",
            CORE_URL=core_url,
            CHROMA_URL=f"http://127.0.0.1:{chroma_port}",
            CELERY_BROKER_URL="redis://127.0.0.1:6379/13",
            CELERY_QUEUE=f"documents_core_test_{uuid.uuid4().hex[:8]}",
            CHROMA_COLLECTION_PREFIX=f"t{uuid.uuid4().hex[:8]}",
            MEDIA_ROOT=str(tmp / "media"),
            EMBEDDING_PROVIDER="local",
            OUTBOUND_ALLOW_PRIVATE="true",
            OUTBOUND_ALLOWED_PORTS="*",
            LOG_LEVEL="WARNING",
        )
        if worker:
            chroma = [str(BIN / "chroma"), "run", "--path", str(tmp / "chroma"), "--port", str(chroma_port)]
            stack.enter_context(running(chroma, env, ROOT, tmp / "chroma.log"))
            wait_until(lambda: _up(f"{env['CHROMA_URL']}/api/v2/heartbeat"), timeout=90, interval=0.3)
            celery = [str(BIN / "celery"), "-A", "portfolio_documents.worker", "worker", "--pool", "prefork"]
            stack.enter_context(running([*celery, "--concurrency", "1"], env, ROOT, tmp / "worker.log"))
        api_port = port or closed_port()
        url = f"http://127.0.0.1:{api_port}"
        uvicorn = [sys.executable, "-m", "uvicorn", "portfolio_documents.main:app", "--host", "127.0.0.1"]
        stack.enter_context(running([*uvicorn, "--port", str(api_port)], env, ROOT, tmp / "documents.log"))
        wait_until(lambda: _up(f"{url}/{'ready' if worker else 'health'}"), timeout=90, interval=0.3)
        yield Processor(url=url, database_url=db, env=env)
