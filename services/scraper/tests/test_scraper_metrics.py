"""The scraper's job metrics move when a job runs: papers per source and outcome, jobs by state, and
the outbox backlog its deliveries leave (read from the real database at scrape time)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fake_upstreams import FakeUpstreams
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from scrape_jobs_support import fresh_database, job_runner, populate, scraper_settings

from portfolio_scraper.config import ScraperSettings
from portfolio_scraper.main import create_app


@pytest.fixture
def settings() -> Iterator[ScraperSettings]:
    with FakeUpstreams() as upstream, fresh_database() as url:
        populate(upstream)
        yield scraper_settings(url, upstream)


def papers(source: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("scraper_papers_total", {"source": source, "outcome": outcome}) or 0.0


def jobs(state: str) -> float:
    return REGISTRY.get_sample_value("scraper_jobs_total", {"state": state}) or 0.0


def sample(exposition: str, name: str) -> float | None:
    for family in text_string_to_metric_families(exposition):
        for s in family.samples:
            if s.name == name:
                return float(s.value)
    return None


async def test_a_job_moves_the_paper_and_job_counters_and_the_outbox_backlog(
    settings: ScraperSettings,
) -> None:
    app = create_app(settings)  # registers the outbox gauges on this database
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scraper") as client:
        before = (await client.get("/internal/metrics")).text
        assert sample(before, "outbox_backlog") == 0
        counts_before = {
            ("arxiv", "new"): papers("arxiv", "new"),
            ("huggingface", "fetched"): papers("huggingface", "fetched"),
            ("pwc", "skipped"): papers("pwc", "skipped"),
        }
        succeeded = jobs("succeeded")

        async with job_runner(settings) as runner:
            job_id = await runner.submit("all", days=2)
            assert await runner.run(job_id) == "succeeded"

        # The same per-source counts the job recorded (see test_jobs_runner).
        assert papers("arxiv", "new") == counts_before[("arxiv", "new")] + 3
        assert papers("huggingface", "fetched") == counts_before[("huggingface", "fetched")] + 2
        assert papers("pwc", "skipped") == counts_before[("pwc", "skipped")] + 1
        assert jobs("succeeded") == succeeded + 1

        after = (await client.get("/internal/metrics")).text
    # The bulk papers, the PDFs worth reading and the job's webhook wait for the dispatcher.
    backlog = sample(after, "outbox_backlog")
    assert backlog is not None and backlog >= 2
    assert (sample(after, "outbox_oldest_pending_age_seconds") or 0) > 0
    assert 'scraper_papers_total{outcome="new",source="arxiv"}' in after
