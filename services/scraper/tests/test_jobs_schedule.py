"""SCRAPE_SCHEDULE: cron in UTC, fires on time, survives a busy source, can be turned off; and the
interest profile falls back to INTEREST_KEYWORDS when core does not answer."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from fake_upstreams import FakeUpstreams, closed_port_url
from pydantic import ValidationError
from scrape_jobs_support import KEYRING, fresh_database, runner_options, scraper_settings

from portfolio_scraper.config import ScraperSettings
from portfolio_scraper.interests import load_interests, terms_from
from portfolio_scraper.main import create_app
from portfolio_scraper.schedule import CronSchedule, run_schedule
from portfolio_shared.auth import SignedTokenProvider
from portfolio_shared.clients import CoreClient
from portfolio_shared.errors import Conflict


class Timeline:
    """A clock that only moves when the schedule sleeps."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)
        await asyncio.sleep(0)


def test_next_fire_times_are_utc() -> None:
    daily = CronSchedule("0 2 * * *")
    assert daily.next_after(datetime(2026, 11, 28, 1, 59, tzinfo=UTC)) == datetime(
        2026, 11, 28, 2, 0, tzinfo=UTC
    )
    assert daily.next_after(datetime(2026, 11, 28, 2, 0, tzinfo=UTC)) == datetime(
        2026, 11, 29, 2, 0, tzinfo=UTC
    )
    # Another zone is converted, not misread: 03:30 at UTC+2 is 01:30 UTC, before 02:00 UTC.
    plus_two = datetime(2026, 11, 28, 3, 30, tzinfo=timezone(timedelta(hours=2)))
    assert daily.next_after(plus_two) == datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a cron expression"):
        CronSchedule("every day at two")


async def test_the_schedule_fires_at_each_due_time_and_survives_conflicts_and_errors() -> None:
    timeline = Timeline(datetime(2026, 11, 28, 1, 0, tzinfo=UTC))
    fired: list[datetime] = []
    four = asyncio.Event()
    outcomes = iter([None, Conflict("busy"), RuntimeError("boom"), None])

    async def fire() -> None:
        fired.append(timeline.now)
        if len(fired) == 4:
            four.set()
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome

    task = asyncio.create_task(
        run_schedule(CronSchedule("0 2 * * *"), fire, clock=timeline, sleep=timeline.sleep)
    )
    await asyncio.wait_for(four.wait(), timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert fired == [datetime(2026, 11, d, 2, 0, tzinfo=UTC) for d in (28, 29, 30)] + [
        datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    ]
    # Long waits are cut into slices, so a clock step or a suspend is noticed.
    assert max(timeline.sleeps) <= 60


def test_the_setting_is_checked_and_empty_turns_it_off(database_url: str) -> None:
    with pytest.raises(ValidationError, match="SCRAPE_SCHEDULE"):
        ScraperSettings(DATABASE_URL=database_url, SCRAPE_SCHEDULE="at two")
    assert ScraperSettings(DATABASE_URL=database_url, SCRAPE_SCHEDULE="  ").scrape_schedule == ""


@pytest.fixture
def fresh_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


@pytest.mark.parametrize(("schedule", "expected"), [("", False), ("*/5 * * * *", True)])
async def test_the_app_runs_the_schedule_only_when_set(fresh_url: str, schedule: str, expected: bool) -> None:
    app = create_app(scraper_settings(fresh_url, SCRAPE_SCHEDULE=schedule), runner_options=runner_options())
    async with app.router.lifespan_context(app):
        names = {task.get_name() for task in asyncio.all_tasks()}
        assert ("scrape-schedule" in names) is expected
    assert "scrape-schedule" not in {task.get_name() for task in asyncio.all_tasks() if not task.done()}


async def test_interests_fall_back_to_the_configured_keywords_when_core_fails() -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        down = await load_interests(client, closed_port_url(), ["RAG", "rag", " agents "])
        with FakeUpstreams() as elsewhere:  # answers 404 envelopes for core's paths
            wrong = await load_interests(client, elsewhere.url, ["RAG"])
    assert down.keywords == ["RAG", "agents"] and down.origin == "fallback" and down.weights == {}
    assert "ConnectError" in (down.reason or "")
    assert down.summary() == {
        "origin": "fallback",
        "keywords": 2,
        "keywords_from": "environment",
        "reason": down.reason,
    }
    assert wrong.origin == "fallback" and "404" in (wrong.reason or "")


async def test_the_configured_keywords_stand_in_when_cores_relevance_keywords_cannot_be_read() -> None:
    # Core down, and a server that is not core (404 envelopes): the scraper's own keywords either way.
    # (Core's real endpoint answering keywords: backend/scrapes/tests and tests/system.)
    signer = SignedTokenProvider("scraper", KEYRING["scraper"])
    async with httpx.AsyncClient(timeout=5) as client:
        async with CoreClient(closed_port_url(), caller="scraper", token_provider=signer, retries=0) as core:
            down = await load_interests(client, closed_port_url(), ["RAG", "agents"], core=core)
        with FakeUpstreams() as elsewhere:
            async with CoreClient(elsewhere.url, caller="scraper", token_provider=signer, retries=0) as core:
                wrong = await load_interests(client, elsewhere.url, ["RAG"], core=core)
    assert down.keywords == ["RAG", "agents"] and down.keywords_from == "environment"
    assert wrong.keywords == ["RAG"] and wrong.keywords_from == "environment" and wrong.weights == {}


def test_terms_from_cores_answers() -> None:
    tech = [{"name": "PyTorch", "slug": "pytorch"}, {"name": "pytorch"}, {"name": " FastAPI "}, {"slug": "x"}]
    projects = [
        {"title": "Paper Radar", "technologies": [{"name": "LangChain"}, {"name": "PyTorch"}]},
        {"title": "Chat With My CV", "technologies": []},
    ]
    assert terms_from(tech, projects) == {
        "Paper Radar": 0.5,
        "Chat With My CV": 0.5,
        "PyTorch": 1.0,
        "FastAPI": 1.0,
        "LangChain": 1.0,
    }


def test_interest_keywords_and_batch_size_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    monkeypatch.setenv("INTEREST_KEYWORDS", "RAG, vector databases ,,LLM agents")
    monkeypatch.setenv("DELIVERY_BATCH_SIZE", "250")
    settings = ScraperSettings(DATABASE_URL=database_url)
    assert settings.interest_keywords == ["RAG", "vector databases", "LLM agents"]
    assert settings.delivery_batch_size == 250
    with pytest.raises(ValidationError, match="DELIVERY_BATCH_SIZE"):
        ScraperSettings(DATABASE_URL=database_url, DELIVERY_BATCH_SIZE=2001)
