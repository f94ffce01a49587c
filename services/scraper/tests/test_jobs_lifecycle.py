"""One running job per source (held in the database), and jobs whose process died: failed as
``interrupted`` by the next start or by the next job that needs their sources, never by a live owner."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from scrape_jobs_support import (
    NOW,
    blocking_fetcher,
    fresh_database,
    job_row,
    job_runner,
    outbox,
    rows,
    scraper_settings,
    source_rows,
)
from sqlalchemy.exc import IntegrityError

from portfolio_scraper.config import ScraperSettings
from portfolio_scraper.jobs import store
from portfolio_scraper.jobs.store import JobConflict
from portfolio_scraper.models import ScrapeJob, ScrapeJobSource


@pytest.fixture
def settings() -> Iterator[ScraperSettings]:
    with fresh_database() as url:
        yield scraper_settings(url)


def fetchers(release: asyncio.Event) -> dict[str, object]:
    return {name: blocking_fetcher(release) for name in ("arxiv", "huggingface", "pwc")}


async def wait_for_state(settings: ScraperSettings, job_id: object, state: str) -> None:
    for _ in range(200):
        if job_row(settings.database_url, job_id)["state"] == state:  # type: ignore[arg-type]
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"job never reached {state}")


async def test_a_running_source_refuses_a_second_job_and_all_covers_every_source(
    settings: ScraperSettings,
) -> None:
    release = asyncio.Event()
    async with job_runner(settings, fetchers=fetchers(release)) as runner:
        arxiv = await runner.submit("arxiv", days=1)
        task = runner.start(arxiv)
        await wait_for_state(settings, arxiv, "running")

        with pytest.raises(JobConflict) as conflict:
            await runner.submit("arxiv", days=3)
        assert conflict.value.status == 409
        assert conflict.value.details == {"job_id": str(arxiv), "sources": ["arxiv"]}
        with pytest.raises(JobConflict) as conflict:
            await runner.submit("all", days=1)
        assert conflict.value.details["job_id"] == str(arxiv)

        # Another source is free.
        hub = await runner.submit("huggingface", days=1)
        hub_task = runner.start(hub)
        release.set()
        assert await task == "succeeded"
        assert await hub_task == "succeeded"
        # Once finished, the source is free again.
        again = await runner.submit("all", days=1)
        assert await runner.run(again) == "succeeded"
    refused = rows(settings.database_url, "SELECT count(*) AS n FROM scrape_job")
    assert refused == [{"n": 3}]


async def test_the_database_itself_refuses_two_active_jobs_for_one_source(settings: ScraperSettings) -> None:
    async with job_runner(settings) as runner:
        held = await runner.submit("all", days=1)
        other = uuid.uuid4()
        async with runner.sessions() as session:
            session.add(ScrapeJob(id=other, source="pwc", params={"days": 1}))
            await session.commit()
            session.add(ScrapeJobSource(job_id=other, source="pwc", counts={}))
            with pytest.raises(IntegrityError, match="ux_scrape_job_source_active"):
                await session.commit()
            await session.rollback()
            # Rows of finished jobs are not held: the same source may appear on any number of them.
            session.add(ScrapeJobSource(job_id=other, source="pwc", counts={}, active=False))
            await session.commit()
    assert source_rows(settings.database_url, held)["pwc"]["active"] is True


async def test_a_restart_fails_the_jobs_its_predecessor_left_running(settings: ScraperSettings) -> None:
    async with job_runner(settings) as dead:
        running = await dead.submit("arxiv", days=1)
        async with dead.sessions() as session:
            await store.mark_running(session, running, now=NOW)
        queued = await dead.submit("pwc", days=1)
        # The process dies: its lock connection goes, and nothing else is written.
        await dead.locks.aclose()
    before = len(outbox(settings.database_url))
    assert job_row(settings.database_url, running)["state"] == "running"

    async with job_runner(settings) as restarted:
        recovered = await restarted.recover()
    assert sorted(recovered) == sorted([running, queued])
    for job_id in (running, queued):
        job = job_row(settings.database_url, job_id)
        assert job["state"] == "failed"
        assert job["errors"][-1]["code"] == "interrupted" and job["errors"][-1]["source"] is None
        assert job["finished_at"] is not None
        assert all(not row["active"] for row in source_rows(settings.database_url, job_id).values())
    webhooks = [m for m in outbox(settings.database_url)[before:] if m["kind"] == "webhook"]
    assert sorted(m["payload"]["data"]["job_id"] for m in webhooks) == sorted([str(running), str(queued)])
    assert {m["payload"]["data"]["state"] for m in webhooks} == {"failed"}


async def test_a_job_with_a_live_owner_is_left_alone(settings: ScraperSettings) -> None:
    release = asyncio.Event()
    async with job_runner(settings, fetchers=fetchers(release)) as owner:
        job_id = await owner.submit("all", days=1)
        task = owner.start(job_id)
        await wait_for_state(settings, job_id, "running")
        async with job_runner(settings) as other:
            assert await other.recover() == []
            with pytest.raises(JobConflict):
                await other.submit("arxiv", days=1)
        assert job_row(settings.database_url, job_id)["state"] == "running"
        release.set()
        assert await task == "succeeded"


async def test_a_new_job_takes_over_the_sources_of_a_dead_owner(settings: ScraperSettings) -> None:
    async with job_runner(settings) as dead:
        orphan = await dead.submit("arxiv", days=1)
        await dead.locks.aclose()  # died before running it
    async with job_runner(settings) as alive:
        job_id = await alive.submit("all", days=1)
        assert job_row(settings.database_url, job_id)["state"] == "queued"
        assert all(row["active"] for row in source_rows(settings.database_url, job_id).values())
    assert job_row(settings.database_url, orphan)["state"] == "failed"
    assert job_row(settings.database_url, orphan)["errors"][-1]["code"] == "interrupted"
    assert source_rows(settings.database_url, orphan)["arxiv"]["active"] is False


async def test_stopping_the_runner_fails_its_running_jobs_as_interrupted(settings: ScraperSettings) -> None:
    release = asyncio.Event()
    async with job_runner(settings, fetchers=fetchers(release)) as runner:
        job_id = await runner.submit("all", days=1)
        runner.start(job_id)
        await wait_for_state(settings, job_id, "running")
    job = job_row(settings.database_url, job_id)
    assert job["state"] == "failed"
    assert job["errors"] == [
        {"source": None, "code": "interrupted", "message": "the scraper stopped while the job ran"}
    ]
    assert {row["state"] for row in source_rows(settings.database_url, job_id).values()} == {"failed"}
    [webhook] = outbox(settings.database_url)
    assert webhook["payload"]["data"]["state"] == "failed"
