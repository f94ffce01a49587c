"""Helpers of the job, API, delivery and CLI tests: a fresh database, settings, a runner, a small world
of upstream papers on the fake upstream, and readers of the outbox."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from fake_upstreams import FakeUpstreams, closed_port_url
from psycopg.rows import dict_row
from upstream_formats import ArxivEntry, hf_item, pwc_paper

from portfolio_scraper.config import ScraperSettings
from portfolio_scraper.interests import Interests
from portfolio_scraper.jobs.pipeline import Window, upstream_client
from portfolio_scraper.jobs.runner import JobRunner
from portfolio_scraper.migrate import SCRIPT_LOCATION
from portfolio_scraper.sources.limiter import ArxivRateLimiter
from portfolio_scraper.sources.types import PaperDraft, Progress, SourceReport
from portfolio_shared.auth import generate_keyring, issue_token, workload_env
from portfolio_shared.health import libpq_url
from portfolio_shared.sql import create_engine, run_migrations, session_factory
from portfolio_shared.testing import temporary_database

#: The runner's clock in these tests: the world below is laid out around it.
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
KEYWORDS = ["retrieval", "agents"]
#: The tests' own keys: every caller's private key, the scraper holding its own and all public keys.
KEYRING = generate_keyring()
SERVICE_KEYS_ENV = workload_env(KEYRING, signs_as="scraper", accepts=KEYRING)


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, migrated database of its own (jobs, seen papers and the outbox start empty)."""
    with temporary_database(prefix="test_portfolio_scraper_jobs") as url:
        run_migrations(SCRIPT_LOCATION, url)
        yield url


def scraper_settings(database_url: str, upstream: FakeUpstreams | None = None, **env: Any) -> ScraperSettings:
    """Test settings: no schedule, core unreachable unless given, upstreams on the fake."""
    values: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "test",
        "SCRAPE_SCHEDULE": "",
        "CORE_URL": closed_port_url(),
        "INTEREST_KEYWORDS": ",".join(KEYWORDS),
        **SERVICE_KEYS_ENV,
    }
    if upstream is not None:
        values.update(upstream.env())
    values.update(env)
    return ScraperSettings(**values)


def token(caller: str = "scheduler", audience: str = "scraper") -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(issuer=caller, audience=audience, key=KEYRING[caller])}"}


async def fixed_interests() -> Interests:
    return Interests(list(KEYWORDS), "fallback", "test")


def instant_limiter() -> ArxivRateLimiter:
    """The arXiv pacing with no wait: these tests are about jobs, not about the 3 s gap."""
    return ArxivRateLimiter(min_interval=0.0)


def runner_options(**overrides: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "limiter": instant_limiter(),
        "clock": lambda: NOW,
        "interests": fixed_interests,
    }
    options.update(overrides)
    return options


@asynccontextmanager
async def job_runner(settings: ScraperSettings, **overrides: Any) -> AsyncIterator[JobRunner]:
    """A runner on its own engine and upstream client, closed afterwards."""
    engine = create_engine(settings.database_url)
    try:
        async with upstream_client() as http:
            runner = JobRunner(
                settings=settings, sessions=session_factory(engine), http=http, **runner_options(**overrides)
            )
            try:
                yield runner
            finally:
                await runner.aclose()
    finally:
        await engine.dispose()


# -- the world on the fake upstream --------------------------------------------------------------


def arxiv_entries(now: datetime) -> list[ArxivEntry]:
    return [
        ArxivEntry(
            arxiv_id="2611.00001",
            title="Retrieval-Augmented Agents for Tool Use",
            abstract="We study retrieval-augmented generation for LLM agents that call tools.",
            authors=["Ada Lovelace", "Alan Turing"],
            categories=["cs.CL", "cs.AI"],
            published=now - timedelta(hours=3),
            version=2,
            updated=now - timedelta(hours=2),
            comment="12 pages",
        ),
        ArxivEntry(
            arxiv_id="2611.00002",
            title="Sparse Attention at Scale",
            abstract="An efficient sparse attention kernel for long-context transformers.",
            authors=["Grace Hopper"],
            categories=["cs.LG"],
            published=now - timedelta(hours=5),
            doi="10.1234/sparse.2",
        ),
        ArxivEntry(
            arxiv_id="2611.00003",
            title="A Theory of Grokking",
            abstract="We prove bounds on delayed generalization in overparameterised networks.",
            authors=["Emmy Noether"],
            categories=["cs.LG", "stat.ML"],
            published=now - timedelta(hours=7),
        ),
    ]


def hf_items() -> list[dict[str, Any]]:
    return [
        hf_item(
            "2611.00001",
            "Retrieval-Augmented Agents for Tool Use",
            upvotes=42,
            comments=3,
            ai_keywords=["tool use", "retrieval"],
            github_repo="https://github.com/example/rag-agents",
            github_stars=120,
            organization={"name": "example-lab", "fullname": "Example Lab"},
        ),
        hf_item(
            "2611.00077",
            "Only On The Hub: Diffusion For Video",
            summary="A video diffusion model.",
            upvotes=5,
        ),
    ]


def pwc_recent(day: str) -> list[dict[str, Any]]:
    return [
        pwc_paper(
            "2611.00002",
            "Sparse Attention at Scale",
            published=day,
            repositories=[{"url": "https://github.com/example/sparse", "is_official": True, "stars": 7}],
            official=True,
        ),
        pwc_paper(None, "A paper that is not on arXiv", catalog_id=9, published=day),
    ]


#: Every arXiv id the world yields once merged (the PwC paper without an arXiv id is skipped).
WORLD_IDS = ["2611.00001", "2611.00002", "2611.00003", "2611.00077"]


def populate(upstream: FakeUpstreams, now: datetime = NOW) -> None:
    """Put a small world on the fake upstream: 3 arXiv papers of the last hours, 2 Hub papers of
    ``now``'s day (one also on arXiv, one Hub-only), 2 PwC papers (one on arXiv, one not)."""
    day = now.date().isoformat()
    upstream.arxiv.entries = arxiv_entries(now)
    upstream.hf.days = {day: hf_items()}
    upstream.pwc.recent = pwc_recent(day)
    upstream.pwc.trending = []


# -- fetchers that are not the real sources --------------------------------------------------------


def blocking_fetcher(release: asyncio.Event, drafts: Sequence[PaperDraft] = ()):  # type: ignore[no-untyped-def]
    """A source that yields ``drafts`` only once ``release`` is set (to hold a job running)."""

    async def fetch(
        client: Any, window: Window, progress: Progress, report: SourceReport
    ) -> AsyncIterator[list[PaperDraft]]:
        progress.update(fetched=0, total=len(drafts) or None, page=0)
        await release.wait()
        if drafts:
            progress.update(fetched=len(drafts), page=1)
            yield list(drafts)

    return fetch


# -- reading what was written ----------------------------------------------------------------------


def rows(database_url: str, query: str, *params: Any) -> list[dict[str, Any]]:
    with psycopg.connect(libpq_url(database_url), row_factory=dict_row) as conn:
        return conn.execute(query, params).fetchall()  # type: ignore[arg-type]


def outbox(database_url: str) -> list[dict[str, Any]]:
    """Every outbox message, oldest first."""
    return rows(
        database_url,
        "SELECT msg_id, kind, destination, path, method, event_type, payload FROM outbox_message ORDER BY id",
    )


def job_row(database_url: str, job_id: uuid.UUID) -> dict[str, Any]:
    return rows(database_url, "SELECT * FROM scrape_job WHERE id = %s", job_id)[0]


def source_rows(database_url: str, job_id: uuid.UUID) -> dict[str, dict[str, Any]]:
    found = rows(database_url, "SELECT * FROM scrape_job_source WHERE job_id = %s", job_id)
    return {row["source"]: row for row in found}
