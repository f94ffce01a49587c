"""Finishing a job writes its deliveries to the outbox, exactly, in the transaction that ends it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from scrape_jobs_support import NOW, fresh_database, job_row, job_runner, outbox, rows, scraper_settings

from portfolio_scraper.delivery.seen import content_hash, draft_hashes
from portfolio_scraper.jobs import store
from portfolio_scraper.jobs.finish import JobOutcome, SourceOutcome, complete_job
from portfolio_scraper.jobs.runner import JobRunner
from portfolio_scraper.sources.types import PaperDraft
from portfolio_shared.schemas import Paper, PapersBulk, ScraperJobCompleted

THRESHOLD = 70.0


def paper(n: int, *, relevance: float = 10.0, version: int = 1, **fields: Any) -> Paper:
    arxiv_id = f"2611.{n:05d}"
    values: dict[str, Any] = {
        "arxiv_id": arxiv_id,
        "version": version,
        "title": f"Paper number {n}",
        "abstract": "An abstract.",
        "authors": ["A. Author"],
        "categories": ["cs.LG"],
        "published": NOW - timedelta(hours=n),
        "abs_url": f"https://arxiv.org/abs/{arxiv_id}v{version}",
        "pdf_url": f"https://arxiv.org/pdf/{arxiv_id}v{version}",
        "sources": ["arxiv"],
        "topics": ["Theory"],
        "relevance": relevance,
        "relevance_components": {"interest": relevance / 100},
    }
    values.update(fields)
    return Paper(**values)


@pytest.fixture
async def runner() -> AsyncIterator[JobRunner]:
    with fresh_database() as url:
        async with job_runner(scraper_settings(url)) as job_runner_:
            yield job_runner_


async def running_job(runner: JobRunner, source: str = "arxiv") -> uuid.UUID:
    job_id = await runner.submit(source, days=1)
    async with runner.sessions() as session:
        await store.mark_running(session, job_id, now=NOW)
    return job_id


async def finish(runner: JobRunner, job_id: uuid.UUID, papers: list[Paper], **outcome: Any) -> str | None:
    sources = outcome.pop("sources", {"arxiv": SourceOutcome("arxiv", fetched=len(papers))})
    async with runner.sessions() as session, session.begin():
        state: str | None = await session.run_sync(
            complete_job,
            job_id,
            JobOutcome(papers=papers, sources=sources, **outcome),
            now=NOW,
            batch_size=2,
            ingest_threshold=THRESHOLD,
        )
    return state


async def test_papers_pdfs_and_the_webhook_are_enqueued_exactly(runner: JobRunner) -> None:
    url = runner.settings.database_url
    job_id = await running_job(runner)
    papers = [
        paper(5),
        paper(3, relevance=70.0),
        paper(1, relevance=95.5),
        paper(4, relevance=88.0, pdf_url=None),
        paper(2),
    ]
    assert await finish(runner, job_id, papers) == "succeeded"

    messages = outbox(url)
    ordered = sorted(papers, key=lambda p: p.arxiv_id)
    expected_bulks = [ordered[0:2], ordered[2:4], ordered[4:5]]
    assert [m["path"] for m in messages] == [
        "/api/internal/papers/bulk/",
        "/api/internal/papers/bulk/",
        "/api/internal/papers/bulk/",
        "/process/pdf",
        "/process/pdf",
        "/api/webhooks/scraper-complete/",
    ]
    for n, (message, batch) in enumerate(zip(messages[:3], expected_bulks, strict=True)):
        assert message["kind"] == "rest" and message["method"] == "POST" and message["destination"] == "core"
        assert message["msg_id"] == f"msg_scrape_{job_id.hex}_papers_{n}"
        assert message["payload"] == PapersBulk(papers=batch).model_dump(mode="json")

    # Relevance at or above the threshold, with a PDF to fetch (paper 4 has none).
    pdfs = messages[3:5]
    assert [m["destination"] for m in pdfs] == ["documents", "documents"]
    assert [m["payload"] for m in pdfs] == [
        {
            "url": "https://arxiv.org/pdf/2611.00001v1",
            "document_key": "paper:2611.00001",
            "title": "Paper number 1",
            "metadata": {
                "kind": "paper",
                "arxiv_id": "2611.00001",
                "version": 1,
                "relevance": 95.5,
                "abs_url": "https://arxiv.org/abs/2611.00001v1",
            },
        },
        {
            "url": "https://arxiv.org/pdf/2611.00003v1",
            "document_key": "paper:2611.00003",
            "title": "Paper number 3",
            "metadata": {
                "kind": "paper",
                "arxiv_id": "2611.00003",
                "version": 1,
                "relevance": 70.0,
                "abs_url": "https://arxiv.org/abs/2611.00003v1",
            },
        },
    ]

    webhook = messages[5]
    assert webhook["kind"] == "webhook" and webhook["destination"] == "core"
    assert webhook["event_type"] == "scraper.job.completed"
    body = webhook["payload"]
    assert body["type"] == "scraper.job.completed" and body["id"] == webhook["msg_id"]
    assert body["data"] == ScraperJobCompleted(
        job_id=str(job_id),
        source="arxiv",
        state="succeeded",
        started_at=NOW,
        finished_at=NOW,
        counts={"fetched": 5, "new": 5, "updated": 0, "skipped": 0, "failed": 0},
        errors=[],
    ).model_dump(mode="json")

    job = job_row(url, job_id)
    assert job["state"] == "succeeded" and job["counts"] == body["data"]["counts"]
    seen = rows(url, "SELECT arxiv_id, source, version, content_hash, last_job_id FROM seen_paper ORDER BY 1")
    assert seen == [
        {
            "arxiv_id": p.arxiv_id,
            "source": "arxiv",
            "version": 1,
            "content_hash": content_hash(p),
            "last_job_id": job_id,
        }
        for p in ordered
    ]


async def test_the_next_job_sends_only_changes_and_pdfs_only_new_versions(runner: JobRunner) -> None:
    url = runner.settings.database_url
    first = await running_job(runner)
    await finish(runner, first, [paper(1, relevance=90), paper(2, relevance=90), paper(3)])
    before = len(outbox(url))

    second = await running_job(runner)
    papers = [
        paper(1, relevance=99),  # only the score moved: unchanged
        paper(2, relevance=90, hf_upvotes=12, sources=["arxiv", "huggingface"]),  # updated, same version
        paper(3, relevance=80, version=2),  # a new version above the threshold: its PDF again
        paper(4),  # new
    ]
    assert await finish(runner, second, papers) == "succeeded"
    added = outbox(url)[before:]
    bulks = [m for m in added if m["path"] == "/api/internal/papers/bulk/"]
    assert [p["arxiv_id"] for m in bulks for p in m["payload"]["papers"]] == [
        "2611.00002",
        "2611.00003",
        "2611.00004",
    ]
    assert [m["payload"]["document_key"] for m in added if m["path"] == "/process/pdf"] == [
        "paper:2611.00003"
    ]
    assert job_row(url, second)["counts"] == {"fetched": 4, "new": 1, "updated": 2, "skipped": 1, "failed": 0}


async def test_changes_are_judged_per_source_not_on_the_merged_record(runner: JobRunner) -> None:
    url = runner.settings.database_url
    both = paper(1, sources=["arxiv", "huggingface"], hf_upvotes=5)
    await finish(
        runner,
        await running_job(runner, "all"),
        [both],
        hashes={both.arxiv_id: {"arxiv": "a1", "huggingface": "h1"}},
    )
    before = len(outbox(url))

    # A Hub-only job sees less of the paper (no arXiv fields) but the Hub says what it said before.
    hub_view = paper(1, sources=["huggingface"], hf_upvotes=5, comment=None, categories=[])
    hub_job = await running_job(runner, "huggingface")
    await finish(
        runner,
        hub_job,
        [hub_view],
        sources={"huggingface": SourceOutcome("huggingface", fetched=1)},
        hashes={hub_view.arxiv_id: {"huggingface": "h1"}},
    )
    assert job_row(url, hub_job)["counts"]["skipped"] == 1
    assert [m["kind"] for m in outbox(url)[before:]] == ["webhook"]

    # A source that never reported the paper is news, even if the others say the same.
    pwc_job = await running_job(runner, "all")
    await finish(
        runner, pwc_job, [both], hashes={both.arxiv_id: {"arxiv": "a1", "huggingface": "h1", "pwc": "p1"}}
    )
    assert job_row(url, pwc_job)["counts"]["updated"] == 1
    seen = rows(url, "SELECT source, content_hash FROM seen_paper ORDER BY source")
    assert seen == [
        {"source": "arxiv", "content_hash": "a1"},
        {"source": "huggingface", "content_hash": "h1"},
        {"source": "pwc", "content_hash": "p1"},
    ]


async def test_force_resends_unchanged_papers_counted_as_skipped(runner: JobRunner) -> None:
    url = runner.settings.database_url
    await finish(runner, await running_job(runner), [paper(1)])
    before = len(outbox(url))
    job_id = await running_job(runner)
    await finish(runner, job_id, [paper(1)], force=True)
    [bulk] = [m for m in outbox(url)[before:] if m["path"] == "/api/internal/papers/bulk/"]
    assert [p["arxiv_id"] for p in bulk["payload"]["papers"]] == ["2611.00001"]
    assert job_row(url, job_id)["counts"]["skipped"] == 1


async def test_rejects_and_failed_sources_make_the_job_partial(runner: JobRunner) -> None:
    url = runner.settings.database_url
    job_id = await running_job(runner, "all")
    sources = {
        "arxiv": SourceOutcome("arxiv", fetched=2),
        "huggingface": SourceOutcome("huggingface", fetched=1, notes=["huggingface 2026-11-27: HTTP 503"]),
        "pwc": SourceOutcome("pwc", error={"code": "source_unavailable", "message": "PwC HTTP 502"}),
    }
    state = await finish(
        runner,
        job_id,
        [paper(1, sources=["arxiv", "huggingface"])],
        sources=sources,
        rejected={"2611.00009": ["arxiv"]},
        reasons={"2611.00009": "title: Field required"},
    )
    assert state == "partial"
    job = job_row(url, job_id)
    assert job["errors"] == [
        {"source": "huggingface", "code": "source_partial", "message": "huggingface 2026-11-27: HTTP 503"},
        {"source": "pwc", "code": "source_unavailable", "message": "PwC HTTP 502"},
        {
            "source": None,
            "code": "papers_rejected",
            "message": "1 paper did not validate: 2611.00009 (title: Field required)",
        },
    ]
    assert job["counts"] == {"fetched": 2, "new": 1, "updated": 0, "skipped": 0, "failed": 1}
    per_source = {
        r["source"]: r for r in rows(url, "SELECT * FROM scrape_job_source WHERE job_id = %s", job_id)
    }
    assert per_source["arxiv"]["counts"] == {"fetched": 2, "new": 1, "updated": 0, "skipped": 0, "failed": 1}
    assert per_source["huggingface"]["counts"] == {
        "fetched": 1,
        "new": 1,
        "updated": 0,
        "skipped": 0,
        "failed": 0,
    }
    assert per_source["pwc"]["state"] == "failed"
    assert per_source["pwc"]["error"] == {"code": "source_unavailable", "message": "PwC HTTP 502"}


async def test_nothing_is_enqueued_for_a_job_that_is_no_longer_running(runner: JobRunner) -> None:
    url = runner.settings.database_url
    job_id = await running_job(runner)
    async with runner.sessions() as session, session.begin():
        await session.run_sync(store.fail_job, job_id, code="interrupted", message="gone", now=NOW)
    before = outbox(url)
    assert await finish(runner, job_id, [paper(1)]) is None
    assert outbox(url) == before
    assert rows(url, "SELECT count(*) AS n FROM seen_paper") == [{"n": 0}]


async def test_a_rolled_back_finish_leaves_no_message_and_no_seen_paper(runner: JobRunner) -> None:
    url = runner.settings.database_url
    job_id = await running_job(runner)
    with pytest.raises(RuntimeError):
        async with runner.sessions() as session, session.begin():
            await session.run_sync(
                complete_job,
                job_id,
                JobOutcome(papers=[paper(1)], sources={"arxiv": SourceOutcome("arxiv", fetched=1)}),
                now=NOW,
                batch_size=2,
                ingest_threshold=THRESHOLD,
            )
            raise RuntimeError("the commit never happens")
    assert outbox(url) == []
    assert rows(url, "SELECT count(*) AS n FROM seen_paper") == [{"n": 0}]
    assert job_row(url, job_id)["state"] == "running"


def test_the_content_hash_ignores_the_score_but_not_the_content() -> None:
    base = paper(1, relevance=10)
    assert content_hash(base) == content_hash(paper(1, relevance=90, relevance_components={"recency": 1.0}))
    assert content_hash(base) != content_hash(paper(1, relevance=10, hf_upvotes=3))
    assert content_hash(base) != content_hash(paper(1, relevance=10, title="Another title"))


def test_a_sources_records_hash_by_what_it_said_not_by_order_or_enrichment() -> None:
    first = PaperDraft(arxiv_id="2611.00001", source="arxiv", title="A", version=1)
    again = PaperDraft(arxiv_id="2611.00001", source="arxiv", title="A", version=2)
    hub = PaperDraft(arxiv_id="2611.00001", source="huggingface", title="A", hf_upvotes=3)
    hashes = draft_hashes([first, again, hub])
    assert set(hashes["2611.00001"]) == {"arxiv", "huggingface"}
    assert draft_hashes([hub, again, first]) == hashes
    scored = PaperDraft(arxiv_id="2611.00001", source="huggingface", title="A", hf_upvotes=3, topics=["LLM"])
    assert draft_hashes([scored])["2611.00001"]["huggingface"] == hashes["2611.00001"]["huggingface"]
    more = PaperDraft(arxiv_id="2611.00001", source="huggingface", title="A", hf_upvotes=4)
    assert draft_hashes([more])["2611.00001"]["huggingface"] != hashes["2611.00001"]["huggingface"]
