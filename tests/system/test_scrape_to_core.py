"""Acceptance of issue 9: scrape the fake upstreams, deliver through the outbox to a REAL core.

The scraper runs in process (its real app through ``httpx.ASGITransport``) on a throwaway database,
against the fake arXiv / Hugging Face / Papers with Code of ``services/scraper/tests``. Core runs
as the Procfile starts it (``scripts.stack.services_running``) with the same service-token and
webhook secrets, and a real ``portfolio_shared.outbox.Dispatcher`` delivers the scraper's outbox.

1. A scrape while core is down: the dispatcher's attempts fail and nothing is lost.
2. Core starts: one more dispatcher pass delivers everything, exactly as sent, once; a redelivery
   (at-least-once) changes nothing; core's ScrapeJob mirror shows the job.
3. A second scrape with core up: the interest profile now comes from core's tech stack and
   projects, only the changed paper is sent, and core shows the change.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from portfolio_shared.auth import SignedTokenProvider, generate_keyring, issue_token, workload_env
from portfolio_shared.health import libpq_url
from portfolio_shared.outbox import Dispatcher
from portfolio_shared.sql import run_migrations
from portfolio_shared.testing import temporary_database
from scripts.stack import ROOT, free_port, services_running

sys.path.insert(0, str(ROOT / "services" / "scraper" / "tests"))
from fake_upstreams import FakeUpstreams, closed_port_url
from scrape_jobs_support import KEYWORDS, WORLD_IDS, populate

from portfolio_scraper.config import ScraperSettings
from portfolio_scraper.interests import terms_from
from portfolio_scraper.main import create_app
from portfolio_scraper.migrate import SCRIPT_LOCATION

#: The test's own keys; core (a real process) holds their public halves.
KEYS = generate_keyring()
WEBHOOK_SECRET = "system-scrape-webhook-secret-0123456789"
BULK = "/api/internal/papers/bulk/"
WEBHOOK = "/api/webhooks/scraper-complete/"
TERMINAL = {"succeeded", "partial", "failed"}


def query(url: str, sql: str, *params: Any) -> list[dict[str, Any]]:
    with psycopg.connect(libpq_url(url), row_factory=dict_row) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


def scrape(settings: ScraperSettings, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Start a job through the scraper's API (as Cloud Scheduler would) and wait for its end."""

    async def run() -> dict[str, Any]:
        app = create_app(settings)
        scheduler = issue_token(issuer="scheduler", audience="scraper", key=KEYS["scheduler"])
        headers = {"Authorization": f"Bearer {scheduler}"}
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scraper") as api,
        ):
            accepted = await api.post(path, json=body, headers=headers)
            assert accepted.status_code == 202, accepted.text
            deadline = time.monotonic() + 60
            while True:
                status = (await api.get(accepted.json()["status_url"])).json()
                if status["state"] in TERMINAL:
                    return status  # type: ignore[no-any-return]
                assert time.monotonic() < deadline, status
                await asyncio.sleep(0.05)

    return asyncio.run(run())


def dispatcher(scraper_db: str, core_url: str) -> Dispatcher:
    return Dispatcher(
        scraper_db,
        targets={"core": core_url, "documents": closed_port_url()},
        webhook_secrets={"core": [WEBHOOK_SECRET], "documents": [WEBHOOK_SECRET]},
        token_provider=SignedTokenProvider("scraper", KEYS["scraper"]),
        timeout=5.0,
        lease_seconds=30.0,
        # No waiting between attempts: the test decides when the next pass runs.
        jitter=lambda cap: 0.0,
    )


def pending(scraper_db: str, destination: str) -> list[dict[str, Any]]:
    return query(
        scraper_db,
        "SELECT id, path, attempts FROM outbox_message WHERE destination = %s AND delivered_at IS NULL "
        "AND NOT dead ORDER BY id",
        destination,
    )


def sent_papers(scraper_db: str) -> dict[str, dict[str, Any]]:
    papers: dict[str, dict[str, Any]] = {}
    for row in query(scraper_db, "SELECT payload FROM outbox_message WHERE path = %s ORDER BY id", BULK):
        papers.update({paper["arxiv_id"]: paper for paper in row["payload"]["papers"]})
    return papers


def core_paper(core_url: str, arxiv_id: str) -> dict[str, Any]:
    response = httpx.get(f"{core_url}/api/papers/{arxiv_id}/", timeout=10)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def scraper_db() -> Iterator[str]:
    with temporary_database(prefix="test_system_scrape") as url:
        run_migrations(SCRIPT_LOCATION, url)
        yield url


def test_scraped_papers_reach_core_once_even_when_core_was_down(scraper_db: str, tmp_path: Path) -> None:
    core_port = free_port()
    core_url = f"http://127.0.0.1:{core_port}"
    with FakeUpstreams() as upstream:
        populate(upstream, now=datetime.now(UTC))
        settings = ScraperSettings(
            DATABASE_URL=scraper_db,
            ENVIRONMENT="test",
            CORE_URL=core_url,
            **workload_env(KEYS, signs_as="scraper", accepts=("scheduler", "core")),
            WEBHOOK_SECRETS_SCRAPER=WEBHOOK_SECRET,
            SCRAPE_SCHEDULE="",
            INTEREST_KEYWORDS=",".join(KEYWORDS),
            INGEST_RELEVANCE_THRESHOLD=0,
            **upstream.env(),
        )

        # 1. Core is down: the job still runs (its interests fall back) and everything waits in the outbox.
        job = scrape(settings, "/scrape", {"source": "all", "days": 2})
        assert job["state"] == "succeeded", job["errors"]
        assert job["counts"] == {"fetched": 5, "new": 4, "updated": 0, "skipped": 1, "failed": 0}
        sent = sent_papers(scraper_db)
        assert sorted(sent) == WORLD_IDS
        with dispatcher(scraper_db, core_url) as outbox:
            assert outbox.run_once() == 0
        waiting = pending(scraper_db, "core")
        assert [m["path"] for m in waiting] == [BULK, WEBHOOK]
        assert all(m["attempts"] == 1 for m in waiting)
        failures = query(scraper_db, "SELECT outcome, status_code, error FROM outbox_attempt")
        assert failures and {f["outcome"] for f in failures} == {"retry"}
        assert all(f["status_code"] is None and "Connect" in f["error"] for f in failures)

        # 2. Core comes up on the address the outbox keeps trying.
        with services_running(
            tmp_path,
            ["core"],
            CORE_PORT=str(core_port),
            SERVICE_CALLER_KEYS_SCRAPER=KEYS["scraper"].public().text(),
            WEBHOOK_SECRETS_SCRAPER=WEBHOOK_SECRET,
            LOG_LEVEL="WARNING",
        ) as env:
            core_db = env["CORE_DATABASE_URL"]
            with dispatcher(scraper_db, core_url) as outbox:
                outbox.run_once()
                assert pending(scraper_db, "core") == []
                # Nothing more to send, nothing sent twice.
                assert outbox.run_once() == 0
            delivered = query(
                scraper_db,
                "SELECT path, attempts, last_status FROM outbox_message "
                "WHERE destination = 'core' ORDER BY id",
            )
            assert delivered == [
                {"path": BULK, "attempts": 2, "last_status": 200},
                {"path": WEBHOOK, "attempts": 2, "last_status": 200},
            ]
            # The document processor is not running: its PDF requests wait, they are not lost.
            # (Every paper is above the threshold of 0 and has a PDF link: the Hub-only one gets arXiv's.)
            pdfs = query(scraper_db, "SELECT payload FROM outbox_message WHERE destination = 'documents'")
            with_pdf = sorted(i for i, p in sent.items() if p["pdf_url"])
            assert with_pdf == WORLD_IDS
            assert sorted(p["payload"]["url"] for p in pdfs) == sorted(sent[i]["pdf_url"] for i in with_pdf)
            assert sorted(p["payload"]["document_key"] for p in pdfs) == [f"paper:{i}" for i in with_pdf]
            assert len(pending(scraper_db, "documents")) == len(with_pdf)

            # Exactly the papers that were sent, with exactly the fields that were sent.
            listing = httpx.get(f"{core_url}/api/papers/", params={"page_size": 50}, timeout=10).json()
            assert listing["count"] == len(WORLD_IDS)
            for arxiv_id, paper in sent.items():
                stored = core_paper(core_url, arxiv_id)
                assert stored.pop("pinned") is False
                assert stored.pop("sample") is False
                # The public sees core's proxy of a thumbnail, never the upstream's address.
                if paper.get("thumbnail"):
                    paper = {**paper, "thumbnail": f"/api/papers/{arxiv_id}/thumbnail/"}
                assert stored == paper, arxiv_id
            merged = sent["2611.00001"]
            assert merged["sources"] == ["arxiv", "huggingface"] and merged["hf_upvotes"] == 42
            assert merged["github_repo"] == "example/rag-agents" and merged["version"] == 2
            assert sent["2611.00002"]["sources"] == ["arxiv", "pwc"]
            assert sent["2611.00077"]["sources"] == ["huggingface"]

            [mirror] = query(core_db, "SELECT * FROM papers_scrapejob")
            assert (
                mirror["job_id"] == job["id"] and mirror["source"] == "all" and mirror["state"] == "succeeded"
            )
            assert mirror["counts"] == job["counts"] and mirror["errors"] == []
            receipts = query(core_db, "SELECT count(*) AS n FROM webhooks_webhookreceipt")
            assert receipts == [{"n": 1}]

            # At-least-once: the same messages delivered again change nothing in core.
            modified = query(core_db, "SELECT arxiv_id, modified FROM papers_paper ORDER BY arxiv_id")
            query(
                scraper_db,
                "UPDATE outbox_message SET delivered_at = NULL, available_at = now() "
                "WHERE destination = 'core' RETURNING id",
            )
            with dispatcher(scraper_db, core_url) as outbox:
                outbox.run_once()
            assert pending(scraper_db, "core") == []
            assert query(core_db, "SELECT arxiv_id, modified FROM papers_paper ORDER BY arxiv_id") == modified
            assert query(core_db, "SELECT count(*) AS n FROM papers_scrapejob") == [{"n": 1}]
            assert query(core_db, "SELECT count(*) AS n FROM webhooks_webhookreceipt") == [{"n": 1}]

            # 3. With content in core, the next job scores against its tech stack and projects.
            seeded = subprocess.run(
                [sys.executable, "manage.py", "seed_content"],
                cwd=ROOT / "backend",
                env={**env, "DATABASE_URL": core_db},
                capture_output=True,
                text=True,
                check=False,
            )
            assert seeded.returncode == 0, seeded.stderr
            tech = httpx.get(f"{core_url}/api/tech-stack/", params={"page_size": 200}, timeout=10).json()
            projects = httpx.get(f"{core_url}/api/projects/", params={"page_size": 200}, timeout=10).json()
            terms = terms_from(tech["results"], projects["results"])
            assert terms

            upstream.hf.days[datetime.now(UTC).date().isoformat()][1]["paper"]["upvotes"] = 64
            second = scrape(settings, "/scrape/huggingface", {"days": 2})
            assert second["state"] == "succeeded"
            assert second["counts"] == {"fetched": 2, "new": 0, "updated": 1, "skipped": 1, "failed": 0}
            with dispatcher(scraper_db, core_url) as outbox:
                outbox.run_once()
            assert pending(scraper_db, "core") == []
            [last_bulk] = query(
                scraper_db,
                "SELECT payload FROM outbox_message WHERE path = %s ORDER BY id DESC LIMIT 1",
                BULK,
            )
            assert [p["arxiv_id"] for p in last_bulk["payload"]["papers"]] == ["2611.00077"]
            assert core_paper(core_url, "2611.00077")["hf_upvotes"] == 64
            mirrors = query(
                core_db, "SELECT job_id, source, state FROM papers_scrapejob ORDER BY finished_at"
            )
            assert [(m["job_id"], m["source"], m["state"]) for m in mirrors] == [
                (job["id"], "all", "succeeded"),
                (second["id"], "huggingface", "succeeded"),
            ]

    profile = query(scraper_db, "SELECT params FROM scrape_job WHERE id = %s", second["id"])[0]["params"][
        "profile"
    ]
    # Core answered its relevance keywords, none yet: the scraper's INTEREST_KEYWORDS stood in.
    assert profile == {
        "origin": "core",
        "keywords": len(KEYWORDS) + len(terms),
        "keywords_from": "environment",
    }
    first = query(scraper_db, "SELECT params FROM scrape_job WHERE id = %s", job["id"])[0]["params"][
        "profile"
    ]
    assert first["origin"] == "fallback"
