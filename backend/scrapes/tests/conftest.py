"""The real scraper as a process on a free port, for the cockpit's cross-service tests.

The scraper (``uvicorn portfolio_scraper.main:app``) runs on a throwaway, migrated database against
the scraper suite's fake arXiv / Hugging Face / Papers with Code (``services/scraper/tests``), with
``CORE_URL`` at pytest-django's live server: it reads the relevance keywords, tech stack and
projects from this test's core. Both sides use the committed development keys (core signs its
calls to the scraper, the scraper its calls to core), as a process started by hand does. The
fixture stops exactly the process group it started and drops the database.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from portfolio_shared.health import libpq_url
from portfolio_shared.sql import run_migrations
from portfolio_shared.testing import temporary_database

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "services" / "scraper" / "tests"))
from fake_upstreams import FakeUpstreams  # noqa: E402
from scrape_jobs_support import populate  # noqa: E402

from portfolio_scraper.migrate import SCRIPT_LOCATION  # noqa: E402

#: The scraper's own keywords (its INTEREST_KEYWORDS): what scoring uses while core has none.
ENV_KEYWORDS = "sparse attention"
#: Environment variables that would point the scraper elsewhere or change whom it trusts.
_DROPPED = ("SERVICE_", "DATABASE_URL", "CORE_URL", "SCRAPER_URL", "DOCUMENTS_URL", "INTEREST_KEYWORDS")


@dataclass
class ScraperProcess:
    url: str
    database_url: str
    upstream: FakeUpstreams
    log: Path

    def rows(self, query: str, *params: Any) -> list[dict[str, Any]]:
        with psycopg.connect(libpq_url(self.database_url), row_factory=dict_row) as conn:
            return conn.execute(query, params).fetchall()  # type: ignore[arg-type]

    def sent_papers(self) -> dict[str, dict[str, Any]]:
        """Every paper the scraper's outbox holds for core, by arXiv id (the latest wins)."""
        papers: dict[str, dict[str, Any]] = {}
        for row in self.rows(
            "SELECT payload FROM outbox_message WHERE path = '/api/internal/papers/bulk/' ORDER BY id"
        ):
            papers.update({p["arxiv_id"]: p for p in row["payload"]["papers"]})
        return papers

    def job_params(self, job_id: str) -> dict[str, Any]:
        params: dict[str, Any] = self.rows("SELECT params FROM scrape_job WHERE id = %s", job_id)[0]["params"]
        return params


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture
def scraper_process(live_server: Any, settings: Any, tmp_path: Path) -> Iterator[ScraperProcess]:
    """The scraper serving on a free port, core's ``SCRAPER_URL`` pointing at it."""
    with FakeUpstreams() as upstream, temporary_database(prefix="test_core_cockpit_scraper") as db:
        populate(upstream, now=datetime.now(UTC))
        run_migrations(SCRIPT_LOCATION, db)
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED)}
        env.update(
            DATABASE_URL=db,
            ENVIRONMENT="test",
            CORE_URL=live_server.url,
            SCRAPE_SCHEDULE="",
            INTEREST_KEYWORDS=ENV_KEYWORDS,
            INGEST_RELEVANCE_THRESHOLD="100",
            LOG_LEVEL="WARNING",
            **upstream.env(),
        )
        log = tmp_path / "scraper.log"
        cmd = [sys.executable, "-m", "uvicorn", "portfolio_scraper.main:app", "--host", "127.0.0.1"]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [*cmd, "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            while True:
                assert proc.poll() is None, log.read_text()
                try:
                    if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            settings.SCRAPER_URL = url
            yield ScraperProcess(url=url, database_url=db, upstream=upstream, log=log)
        finally:
            _stop(proc)
