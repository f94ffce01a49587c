"""``python -m portfolio_scraper``: a real process runs the API's jobs (same records, same outbox),
draws its bars, says when a source is busy, and a killed run is failed as interrupted afterwards."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fake_upstreams import FakeUpstreams, closed_port_url
from scrape_jobs_support import (
    SERVICE_KEYS_ENV,
    WORLD_IDS,
    blocking_fetcher,
    fresh_database,
    job_runner,
    outbox,
    populate,
    rows,
    scraper_settings,
    source_rows,
)

from portfolio_scraper.jobs.pipeline import Window

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def upstream() -> Iterator[FakeUpstreams]:
    with FakeUpstreams() as fake:
        # The CLI scrapes up to the real "now": lay the world out around it.
        populate(fake, now=datetime.now(UTC))
        yield fake


@pytest.fixture
def database_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


def cli_env(database_url: str, upstream: FakeUpstreams) -> dict[str, str]:
    return {
        **os.environ,
        **upstream.env(),
        "DATABASE_URL": database_url,
        "CORE_URL": closed_port_url(),
        "SCRAPE_SCHEDULE": "",
        **SERVICE_KEYS_ENV,
        "ENVIRONMENT": "test",
    }


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "portfolio_scraper", *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def jobs(database_url: str) -> list[dict]:  # type: ignore[type-arg]
    return rows(database_url, "SELECT * FROM scrape_job ORDER BY created_at")


def test_scrape_runs_one_job_and_delivers_through_the_outbox(
    database_url: str, upstream: FakeUpstreams
) -> None:
    result = cli(cli_env(database_url, upstream), "scrape", "--source", "arxiv", "--days", "3")
    assert result.returncode == 0, result.stderr
    [job] = jobs(database_url)
    assert job["source"] == "arxiv" and job["state"] == "succeeded"
    assert job["params"]["trigger"] == "cli" and job["params"]["days"] == 3
    assert job["counts"] == {"fetched": 3, "new": 3, "updated": 0, "skipped": 0, "failed": 0}
    assert set(source_rows(database_url, job["id"])) == {"arxiv"}
    # The bars and the summary go to the terminal (stderr), the JSON log to stdout.
    assert f"{job['id']} succeeded" in result.stderr
    assert "arxiv 3/3 papers (succeeded)" in result.stderr
    assert "100%" in result.stderr
    messages = outbox(database_url)
    assert [m["path"] for m in messages] == ["/api/internal/papers/bulk/", "/api/webhooks/scraper-complete/"]
    assert sorted(p["arxiv_id"] for p in messages[0]["payload"]["papers"]) == WORLD_IDS[:3]
    assert len(upstream.requests_to("arxiv")) == 1 and not upstream.requests_to("hf")


def test_backfill_runs_consecutive_windows_newest_first(database_url: str, upstream: FakeUpstreams) -> None:
    result = cli(
        cli_env(database_url, upstream),
        "backfill",
        "--days",
        "5",
        "--chunk-days",
        "2",
        "--source",
        "huggingface",
    )
    assert result.returncode == 0, result.stderr
    found = jobs(database_url)
    assert len(found) == 3
    windows = [Window.from_params(job["params"]) for job in found]
    assert [w.end - w.start for w in windows] == [timedelta(days=2), timedelta(days=2), timedelta(days=1)]
    assert windows[0].start == windows[1].end and windows[1].start == windows[2].end
    assert all(job["state"] == "succeeded" and job["params"]["trigger"] == "cli" for job in found)
    # Only the newest window holds the Hub's papers; the others find them unchanged or absent.
    assert [job["counts"]["new"] for job in found] == [2, 0, 0]
    webhooks = [m for m in outbox(database_url) if m["kind"] == "webhook"]
    assert [m["payload"]["data"]["job_id"] for m in webhooks] == [str(job["id"]) for job in found]


def test_a_busy_source_exits_2_and_names_the_running_job(database_url: str, upstream: FakeUpstreams) -> None:
    settings = scraper_settings(database_url, upstream)

    async def hold_and_call() -> tuple[str, subprocess.CompletedProcess[str]]:
        release = asyncio.Event()
        async with job_runner(settings, fetchers={"pwc": blocking_fetcher(release)}) as runner:
            job_id = await runner.submit("pwc", days=1)
            task = runner.start(job_id)
            result = await asyncio.to_thread(cli, cli_env(database_url, upstream), "scrape", "--days", "1")
            release.set()
            await task
        return str(job_id), result

    job_id, result = asyncio.run(hold_and_call())
    assert result.returncode == 2
    assert f"Running job: {job_id}" in result.stderr
    assert len(jobs(database_url)) == 1


def test_a_killed_run_is_failed_as_interrupted_by_the_next_start(
    database_url: str, upstream: FakeUpstreams
) -> None:
    upstream.arxiv.delay = 30  # the job hangs in its fetch
    proc = subprocess.Popen(
        [sys.executable, "-m", "portfolio_scraper", "scrape", "--source", "arxiv"],
        env=cli_env(database_url, upstream),
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not upstream.requests_to("arxiv"):
            assert time.monotonic() < deadline and proc.poll() is None, "the CLI never reached arXiv"
            time.sleep(0.05)
        [job] = jobs(database_url)
        assert job["state"] == "running"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    async def restart() -> list[object]:
        async with job_runner(scraper_settings(database_url, upstream)) as runner:
            return list(await runner.recover())

    assert asyncio.run(restart()) == [job["id"]]
    [job] = jobs(database_url)
    assert job["state"] == "failed" and job["errors"][-1]["code"] == "interrupted"
    assert [m["payload"]["data"]["state"] for m in outbox(database_url)] == ["failed"]
