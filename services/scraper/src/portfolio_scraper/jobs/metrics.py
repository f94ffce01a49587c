"""The scraper's job metrics (default registry, served at ``/internal/metrics``).

Jobs run inside the API process (an asyncio task), so plain counters are what a scrape reads.
``scraper_papers_total`` mirrors each source's counts of the ``scraper.job.completed`` webhook:
``outcome="fetched"`` is everything the source returned, and ``new``, ``updated``, ``skipped`` and
``failed`` say what became of those papers.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import Counter

PAPERS = Counter(
    "scraper_papers_total",
    "Papers seen by scrape jobs, by source and outcome (fetched, new, updated, skipped, failed).",
    ["source", "outcome"],
)
JOBS = Counter("scraper_jobs_total", "Scrape jobs that ended, by final state.", ["state"])


def record_source_counts(per_source: Mapping[str, Mapping[str, int]]) -> None:
    """Add one job's per-source counts (``ScrapeCounts`` as a dict) to ``scraper_papers_total``."""
    for source, counts in per_source.items():
        for outcome, value in counts.items():
            if value:
                PAPERS.labels(source, outcome).inc(value)


def record_job(state: str) -> None:
    """Count one finished job."""
    JOBS.labels(state).inc()
