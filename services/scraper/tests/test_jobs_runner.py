"""The job runner against the fake upstreams: sources concurrently, per-source isolation, counts,
reruns that send only what changed, and the job records it leaves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_upstreams import FakeUpstreams, Reply
from scrape_jobs_support import (
    NOW,
    WORLD_IDS,
    fresh_database,
    job_row,
    job_runner,
    outbox,
    populate,
    scraper_settings,
    source_rows,
)

from portfolio_scraper.config import ScraperSettings


@pytest.fixture
def upstream() -> Iterator[FakeUpstreams]:
    with FakeUpstreams() as fake:
        populate(fake)
        yield fake


@pytest.fixture
def settings(upstream: FakeUpstreams) -> Iterator[ScraperSettings]:
    with fresh_database() as url:
        yield scraper_settings(url, upstream)


def sent_papers(database_url: str) -> dict[str, dict]:  # type: ignore[type-arg]
    papers = {}
    for message in outbox(database_url):
        if message["path"] == "/api/internal/papers/bulk/":
            papers.update({paper["arxiv_id"]: paper for paper in message["payload"]["papers"]})
    return papers


async def test_a_job_of_all_sources_merges_them_and_delivers_every_paper(settings: ScraperSettings) -> None:
    async with job_runner(settings) as runner:
        job_id = await runner.submit("all", days=2)
        assert await runner.run(job_id) == "succeeded"

    job = job_row(settings.database_url, job_id)
    assert job["state"] == "succeeded" and job["phase"] is None and job["progress"] == 100
    assert job["started_at"] == NOW and job["finished_at"] == NOW
    # 3 arXiv + 1 Hub-only paper; the PwC paper without an arXiv id is skipped.
    assert job["counts"] == {"fetched": 5, "new": 4, "updated": 0, "skipped": 1, "failed": 0}
    assert job["errors"] == []
    assert set(job["timings"]) == {"fetch", "enrich", "deliver", "total"}
    assert job["params"]["profile"] == {
        "origin": "fallback",
        "keywords": 2,
        "keywords_from": "environment",
        "reason": "test",
    }

    sources = source_rows(settings.database_url, job_id)
    assert {name: row["state"] for name, row in sources.items()} == {
        "arxiv": "succeeded",
        "huggingface": "succeeded",
        "pwc": "succeeded",
    }
    assert sources["arxiv"]["counts"] == {"fetched": 3, "new": 3, "updated": 0, "skipped": 0, "failed": 0}
    assert sources["huggingface"]["counts"] == {
        "fetched": 2,
        "new": 2,
        "updated": 0,
        "skipped": 0,
        "failed": 0,
    }
    assert sources["pwc"]["counts"] == {"fetched": 1, "new": 1, "updated": 0, "skipped": 1, "failed": 0}
    assert all(not row["active"] and row["progress"] == 100 for row in sources.values())

    papers = sent_papers(settings.database_url)
    assert sorted(papers) == WORLD_IDS
    merged = papers["2611.00001"]
    assert merged["version"] == 2
    assert merged["sources"] == ["arxiv", "huggingface"]
    assert merged["hf_upvotes"] == 42 and merged["hf_comments"] == 3
    assert merged["github_repo"] == "example/rag-agents" and merged["github_stars"] == 120
    assert merged["comment"] == "12 pages"
    assert papers["2611.00002"]["sources"] == ["arxiv", "pwc"]
    assert papers["2611.00002"]["github_repo"] == "example/sparse"
    assert papers["2611.00077"]["sources"] == ["huggingface"]
    assert all(0 <= paper["relevance"] <= 100 and paper["topics"] for paper in papers.values())


async def test_one_source_unavailable_ends_the_job_partial_with_its_reason(
    settings: ScraperSettings, upstream: FakeUpstreams
) -> None:
    upstream.pwc.script.push(Reply(status=200, body="<html>maintenance</html>", content_type="text/html"))
    async with job_runner(settings) as runner:
        job_id = await runner.submit("all", days=2)
        assert await runner.run(job_id) == "partial"

    job = job_row(settings.database_url, job_id)
    [error] = job["errors"]
    assert error["source"] == "pwc" and error["code"] == "source_unavailable"
    assert error["message"]
    pwc = source_rows(settings.database_url, job_id)["pwc"]
    assert pwc["state"] == "failed" and pwc["error"] == {"code": error["code"], "message": error["message"]}
    # The other sources' papers still go out; PwC's code link is simply missing.
    papers = sent_papers(settings.database_url)
    assert sorted(papers) == WORLD_IDS
    assert papers["2611.00002"]["sources"] == ["arxiv"]
    [webhook] = [m for m in outbox(settings.database_url) if m["kind"] == "webhook"]
    assert webhook["payload"]["data"]["state"] == "partial"
    assert webhook["payload"]["data"]["errors"] == [error]


async def test_every_source_failing_fails_the_job_and_sends_only_the_webhook(
    settings: ScraperSettings, upstream: FakeUpstreams
) -> None:
    upstream.arxiv.error("incorrect id format")
    upstream.hf.script.push(Reply(status=404, body={"error": "gone"}), times=10)
    upstream.pwc.script.push(Reply(status=200, body={"detail": "an unexpected shape"}), times=3)
    async with job_runner(settings) as runner:
        job_id = await runner.submit("all", days=2)
        assert await runner.run(job_id) == "failed"

    job = job_row(settings.database_url, job_id)
    assert {e["source"]: e["code"] for e in job["errors"] if e["code"] != "source_partial"} == {
        "arxiv": "source_error",
        "huggingface": "source_unavailable",
        "pwc": "source_unavailable",
    }
    assert [m["kind"] for m in outbox(settings.database_url)] == ["webhook"]


async def test_a_rerun_sends_only_what_changed(settings: ScraperSettings, upstream: FakeUpstreams) -> None:
    async with job_runner(settings) as runner:
        first = await runner.submit("all", days=2)
        await runner.run(first)
        before = len(outbox(settings.database_url))

        # A new version of one paper, more upvotes on another, the rest unchanged.
        upstream.arxiv.entries[1].version = 2
        upstream.hf.days[next(iter(upstream.hf.days))][1]["paper"]["upvotes"] = 50
        second = await runner.submit("all", days=2)
        assert await runner.run(second) == "succeeded"

    assert job_row(settings.database_url, second)["counts"] == {
        "fetched": 5,
        "new": 0,
        "updated": 2,
        "skipped": 3,
        "failed": 0,
    }
    added = outbox(settings.database_url)[before:]
    [bulk] = [m for m in added if m["kind"] == "rest" and m["destination"] == "core"]
    assert sorted(p["arxiv_id"] for p in bulk["payload"]["papers"]) == ["2611.00002", "2611.00077"]
    assert added[-1]["kind"] == "webhook"


async def test_a_source_alone_holds_and_scrapes_only_that_source(settings: ScraperSettings) -> None:
    async with job_runner(settings) as runner:
        job_id = await runner.submit("huggingface", days=2)
        assert await runner.run(job_id) == "succeeded"
    assert set(source_rows(settings.database_url, job_id)) == {"huggingface"}
    assert sorted(sent_papers(settings.database_url)) == ["2611.00001", "2611.00077"]


async def test_control_characters_from_upstream_are_stripped_before_storage_and_delivery(
    settings: ScraperSettings, upstream: FakeUpstreams
) -> None:
    # JSON upstreams can carry NUL and, as "\ud800" escapes, lone surrogates: Postgres takes neither.
    hub = upstream.hf.days[next(iter(upstream.hf.days))]
    hub[1]["paper"]["title"] = "Only On The Hub:\x00 Diffusion\ud800 For\x0bVideo\x07"
    hub[1]["paper"]["summary"] = "A video\x1b[31m diffusion model.\x00"
    hub[1]["paper"]["authors"][0]["name"] = "Ada\x00 Lovelace"
    hub[1]["paper"]["projectPage"] = "https://example.org/\x00video"
    upstream.pwc.recent[0]["title"] = "Sparse\x00 Attention at Scale"
    async with job_runner(settings) as runner:
        job_id = await runner.submit("all", days=2)
        assert await runner.run(job_id) == "succeeded"

    papers = sent_papers(settings.database_url)
    assert sorted(papers) == WORLD_IDS  # the odd paper is delivered with the rest
    odd = papers["2611.00077"]
    assert (odd["title"], odd["abstract"]) == (
        "Only On The Hub: Diffusion For Video",
        "A video[31m diffusion model.",
    )
    assert odd["authors"] == ["Ada Lovelace"]
    assert odd["project_url"] is None  # a URL with a control character in it is no URL
