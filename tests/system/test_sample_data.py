"""The sample set's lifecycle on a real stack (as ``make run`` starts it, ``scripts.stack``):

1. ``manage.py load_sample_data --if-empty`` on an empty core: the sample papers (topics from the
   running scraper's ``POST /classify``), their texts and the sample PDF indexed by the document
   processor's worker, a week of sample traffic in analytics;
2. a real scrape (the scraper against the fake arXiv / Hugging Face / Papers with Code of its tests,
   delivered to core by its outbox dispatcher) hides the sample papers by itself;
3. ``manage.py remove_sample_data`` removes exactly the sample: papers, their index entries, the PDF
   and the sample traffic, while the scraped papers and the site's own traffic stay.
"""

from __future__ import annotations

import sys
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis

from portfolio_analytics import keys
from portfolio_shared.auth import issue_token
from portfolio_shared.contracts import paper_text_key
from portfolio_shared.health import libpq_url
from portfolio_shared.schemas import sample_paper_id
from scripts import devstack
from scripts.e2e_stack import PROCESSES
from scripts.stack import ROOT, manage, services_running, wait_until

sys.path.insert(0, str(ROOT / "services" / "scraper" / "tests"))
from fake_upstreams import FakeUpstreams
from scrape_jobs_support import KEYWORDS, WORLD_IDS, populate

SAMPLE_PDF_KEY = "sample:handbook"


def token(env: dict[str, str], issuer: str, audience: str) -> dict[str, str]:
    key = devstack.stack_signing_key(env, issuer)
    return {"Authorization": f"Bearer {issue_token(issuer=issuer, audience=audience, key=key)}"}


def document_status(env: dict[str, str], key: str) -> int:
    url = f"{env['DOCUMENTS_URL']}/documents/{urllib.parse.quote(key, safe='')}"
    return httpx.get(url, headers=token(env, "core", "documents"), timeout=10).status_code


def papers(env: dict[str, str]) -> list[dict[str, Any]]:
    response = httpx.get(f"{env['CORE_URL']}/api/papers/", params={"page_size": 100}, timeout=10)
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def summary(env: dict[str, str]) -> dict[str, Any]:
    response = httpx.get(f"{env['ANALYTICS_URL']}/metrics/summary", params={"period": "7d"}, timeout=10)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def sample_rows(env: dict[str, str]) -> int:
    with psycopg.connect(libpq_url(env["CORE_DATABASE_URL"])) as conn:
        row = conn.execute("SELECT count(*) FROM papers_paper WHERE sample").fetchone()
    return int(row[0]) if row else 0


def queued(env: dict[str, str], prefix: str) -> int:
    """Writer calls whose filter copies the analytics fold has not written yet."""
    client = redis.Redis.from_url(env["REDIS_URL"])
    try:
        return int(client.llen(keys.fold_queue(prefix)))
    finally:
        client.close()


def redis_keys(env: dict[str, str], prefix: str) -> set[bytes]:
    client = redis.Redis.from_url(env["REDIS_URL"])
    try:
        return set(client.scan_iter(match=f"{prefix}:*", count=1000))
    finally:
        client.close()


def test_sample_data_loads_is_hidden_by_a_real_scrape_and_is_removed_exactly(tmp_path: Path) -> None:
    with FakeUpstreams() as upstream:
        populate(upstream, now=datetime.now(UTC))
        with services_running(
            tmp_path,
            PROCESSES,
            LOG_LEVEL="WARNING",
            ANALYTICS_DASHBOARD_PUBLIC="true",
            ANALYTICS_SUMMARY_CACHE_SECONDS="0",
            SCRAPE_SCHEDULE="",
            INTEREST_KEYWORDS=",".join(KEYWORDS),
            INGEST_RELEVANCE_THRESHOLD="0",
            OUTBOX_POLL_INTERVAL="0.5",
            OUTBOX_BACKOFF_BASE="0.5",
            **upstream.env(),
        ) as env:
            prefix = env["ANALYTICS_REDIS_PREFIX"]
            # The site's own traffic, before and after: removing the sample leaves it alone.
            real = httpx.post(
                f"{env['ANALYTICS_URL']}/events/pageview",
                json={"url": "http://127.0.0.1/papers"},
                headers={
                    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
                },
                timeout=10,
            )
            assert real.status_code == 202 and not real.headers.get("x-analytics-dropped")
            # Once the service's fold has written the event's filter copies (ADR 14; its queue is
            # transient).
            wait_until(lambda: not queued(env, prefix), timeout=10)
            real_keys = redis_keys(env, prefix)

            # 1. Load on an empty core.
            out = manage(env, "load_sample_data", "--if-empty")
            assert "sample papers:" in out and "sample PDF:" in out and "sample analytics traffic:" in out
            shown = papers(env)
            assert len(shown) >= 50 and all(p["sample"] for p in shown)
            assert sum(1 for p in shown if p["topics"]) >= 50
            assert all(p["abs_url"] is None and p["pdf_url"] is None for p in shown)
            assert "papers already there" in manage(env, "load_sample_data", "--if-empty")
            first = sample_paper_id(1)
            wait_until(lambda: document_status(env, paper_text_key(first)) == 200, 300)
            wait_until(lambda: document_status(env, SAMPLE_PDF_KEY) == 200, 300)
            week = summary(env)
            assert week["sample"] is True and week["pageViews"]["total"] > 100
            assert len(week["timeseries"]["points"]) == 7

            # 2. A real scrape reaches core: the sample papers are hidden, their texts leave the index.
            started = httpx.post(
                f"{env['SCRAPER_URL']}/scrape",
                json={"source": "all", "days": 2},
                headers=token(env, "scheduler", "scraper"),
                timeout=30,
            )
            assert started.status_code == 202, started.text
            wait_until(lambda: {p["arxiv_id"] for p in papers(env)} == set(WORLD_IDS), 180)
            assert not [p for p in papers(env) if p["sample"]]
            assert sample_rows(env) == len(shown)  # hidden, not deleted
            wait_until(lambda: document_status(env, paper_text_key(first)) == 404, 180)

            # 3. Remove: exactly the sample goes.
            out = manage(env, "remove_sample_data")
            assert "Sample data removed." in out
            assert sample_rows(env) == 0
            assert {p["arxiv_id"] for p in papers(env)} == set(WORLD_IDS)
            wait_until(lambda: document_status(env, SAMPLE_PDF_KEY) == 404, 180)
            assert redis_keys(env, f"{prefix}-sample") == set()
            assert redis_keys(env, prefix) >= real_keys  # the real traffic's keys are all still there
            after = summary(env)
            assert after["sample"] is False and after["pageViews"]["total"] == 1
