"""Hugging Face daily papers against the fake upstream: paging, optional fields, per-day failures."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime

import httpx
import pytest
from fake_upstreams import FakeUpstreams, RecordingProgress, Reply, VirtualClock, closed_port_url
from upstream_formats import hf_item

from portfolio_scraper.sources.huggingface import fetch_huggingface, item_draft
from portfolio_scraper.sources.types import PaperDraft, SourceReport, SourceUnavailable

DAY1, DAY2, DAY3 = date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)
FULL = hf_item(
    "2611.04321v2",
    "Scaling  Laws for\nSparse Agents",
    summary="We study\n scaling laws.",
    authors=["Grace Hopper", "Edsger Dijkstra"],
    published="2026-11-24T17:59:01.000Z",
    upvotes=87,
    comments=12,
    ai_summary="Sparse agents scale\npredictably.",
    ai_keywords=["scaling laws", " sparse agents "],
    github_repo="https://github.com/example-lab/sparse-agents",
    github_stars=1543,
    project_page="https://example-lab.github.io/sparse-agents",
    organization={"_id": "o1", "name": "example-lab", "fullname": "Example Lab", "avatar": "x.png"},
)
BARE = hf_item("2611.04322", "A Bare Paper", upvotes=3, comments=0)


def day_items(prefix: str, count: int) -> list[dict[str, object]]:
    return [hf_item(f"2611.{prefix}{i:03d}", f"Paper {prefix}{i}", upvotes=i) for i in range(count)]


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def upstream(clock: VirtualClock) -> Iterator[FakeUpstreams]:
    with FakeUpstreams(clock=clock) as fake:
        fake.hf.days = {
            DAY1.isoformat(): day_items("01", 5),
            DAY2.isoformat(): day_items("02", 4),
            DAY3.isoformat(): [FULL, BARE],
        }
        yield fake


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as c:
        yield c


async def collect(
    client: httpx.AsyncClient,
    upstream: FakeUpstreams,
    clock: VirtualClock,
    days: list[date],
    report: SourceReport | None = None,
    progress: RecordingProgress | None = None,
    **kwargs: object,
) -> list[PaperDraft]:
    drafts: list[PaperDraft] = []
    async for page in fetch_huggingface(
        client,
        base_url=kwargs.pop("base_url", upstream.hf_url),
        days=days,
        progress=progress or RecordingProgress(),
        sleep=clock.sleep,
        report=report,
        **kwargs,
    ):
        drafts.extend(page)
    return drafts


async def test_each_day_is_paged_until_a_short_page(client, upstream, clock) -> None:
    progress = RecordingProgress()
    drafts = await collect(client, upstream, clock, [DAY1, DAY2], progress=progress, page_size=2)

    assert sorted(d.arxiv_id for d in drafts) == sorted(
        [f"2611.01{i:03d}" for i in range(5)] + [f"2611.02{i:03d}" for i in range(4)]
    )
    pages = {(r.query["date"], r.query["p"]) for r in upstream.requests_to("hf")}
    # Day 1: 2 + 2 + 1 (short page ends it); day 2: 2 + 2 + 0.
    assert pages == {("2026-11-25", "0"), ("2026-11-25", "1"), ("2026-11-25", "2")} | {
        ("2026-11-26", "0"),
        ("2026-11-26", "1"),
        ("2026-11-26", "2"),
    }
    assert {r.query["limit"] for r in upstream.requests_to("hf")} == {"2"}
    assert progress.fetched == 9


async def test_days_run_with_bounded_concurrency(client, upstream, clock) -> None:
    upstream.hf.delay = 0.05
    drafts = await collect(client, upstream, clock, [DAY1, DAY2, DAY3], concurrency=2)
    assert len(drafts) == 11
    assert upstream.max_in_flight("hf") <= 2


async def test_item_with_every_optional_field(client, upstream, clock) -> None:
    drafts = {d.arxiv_id: d for d in await collect(client, upstream, clock, [DAY3])}
    full = drafts["2611.04321"]

    assert full.source == "huggingface" and full.sources == ["huggingface"]
    assert full.version == 2
    assert full.title == "Scaling Laws for Sparse Agents"
    assert full.abstract == "We study scaling laws."
    assert full.authors == ["Grace Hopper", "Edsger Dijkstra"]
    assert full.published == datetime(2026, 11, 24, 17, 59, 1, tzinfo=UTC)
    assert (full.hf_upvotes, full.hf_comments) == (87, 12)
    assert (full.github_repo, full.github_stars) == ("example-lab/sparse-agents", 1543)
    assert full.project_url == "https://example-lab.github.io/sparse-agents"
    assert full.ai_summary == "Sparse agents scale predictably."
    assert full.ai_keywords == ["scaling laws", "sparse agents"]
    assert full.organization == "Example Lab"
    assert full.thumbnail == "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2611.04321.png"


async def test_item_without_the_optional_fields(client, upstream, clock) -> None:
    drafts = {d.arxiv_id: d for d in await collect(client, upstream, clock, [DAY3])}
    bare = drafts["2611.04322"]

    assert (bare.hf_upvotes, bare.hf_comments) == (3, 0)
    assert bare.version is None
    assert bare.github_repo is None and bare.github_stars is None
    assert bare.project_url is None and bare.ai_summary is None and bare.organization is None
    assert bare.ai_keywords == []
    assert bare.thumbnail is not None  # every daily-papers item has one


def test_a_thumbnail_that_is_not_a_url_is_dropped() -> None:
    item = hf_item("2611.04324", "T")
    item["thumbnail"] = "javascript:alert(1)"
    draft = item_draft(item)
    assert draft is not None and draft.thumbnail is None


def test_optional_fields_on_the_item_itself_are_read_too() -> None:
    # huggingface_hub's PaperInfo reads them at the top level; the paper's own value wins.
    item = hf_item("2611.04323", "T", github_repo="https://github.com/a/in-paper")
    item.update(
        {"githubRepo": "https://github.com/b/on-item", "ai_keywords": ["item kw"], "projectPage": "x"}
    )
    draft = item_draft(item)
    assert draft is not None
    assert draft.github_repo == "a/in-paper"
    assert draft.ai_keywords == ["item kw"]
    assert draft.project_url is None  # not a URL


def test_items_that_are_not_arxiv_papers_are_skipped() -> None:
    assert item_draft(hf_item("not-an-id", "T")) is None
    assert item_draft({"paper": {"title": "no id"}}) is None
    assert item_draft("a string") is None
    odd = hf_item("2611.04324", "T", upvotes=5)
    odd["paper"]["upvotes"], odd["numComments"] = -1, True  # nonsense counts are dropped, not kept
    draft = item_draft(odd)
    assert draft is not None and draft.hf_upvotes is None and draft.hf_comments is None


async def test_skipped_items_are_counted(client, upstream, clock) -> None:
    upstream.hf.days[DAY3.isoformat()] = [FULL, hf_item("no-arxiv-id", "T")]
    report = SourceReport()
    drafts = await collect(client, upstream, clock, [DAY3], report)
    assert [d.arxiv_id for d in drafts] == ["2611.04321"]
    assert (report.skipped, report.failed) == (1, 0)


async def test_429_is_retried_honouring_retry_after_on_the_server_clock(client, upstream, clock) -> None:
    upstream.hf.throttle(retry_after=5, day=DAY3.isoformat())
    drafts = await collect(client, upstream, clock, [DAY3])

    assert len(drafts) == 2
    assert [r.status for r in upstream.requests_to("hf")] == [429, 200]
    assert upstream.gaps("hf")[0] >= 5


async def test_truncated_json_fails_that_day_only(client, upstream, clock) -> None:
    upstream.hf.truncated(DAY2.isoformat())
    report = SourceReport()
    drafts = await collect(client, upstream, clock, [DAY1, DAY2, DAY3], report)

    assert {d.arxiv_id[:7] for d in drafts} == {"2611.01", "2611.04"}
    assert report.failed == 1
    assert report.errors[0].startswith("huggingface 2026-11-26: page 0: invalid JSON")


async def test_every_day_failing_makes_the_source_unavailable(client, upstream, clock) -> None:
    for day in (DAY1, DAY2):
        upstream.hf.truncated(day.isoformat())
    report = SourceReport()
    with pytest.raises(SourceUnavailable, match="every day failed"):
        await collect(client, upstream, clock, [DAY1, DAY2], report)
    assert report.failed == 2


async def test_unexpected_shape_and_persistent_5xx_fail_their_days(client, upstream, clock) -> None:
    upstream.hf.script.push(Reply(body={"error": "moved"}), match=upstream.hf.on(DAY1.isoformat()))
    upstream.hf.script.push(Reply(status=500, body={}), times=2, match=upstream.hf.on(DAY2.isoformat()))
    report = SourceReport()
    drafts = await collect(client, upstream, clock, [DAY1, DAY2, DAY3], report, attempts=2)

    assert len(drafts) == 2
    assert sorted(report.errors) == [
        "huggingface 2026-11-25: page 0: expected a list of items, got dict",
        "huggingface 2026-11-26: page 0: HTTP 500 after 2 attempts",
    ]


async def test_a_day_that_times_out_fails_with_the_reason(upstream, clock) -> None:
    upstream.hf.script.push(Reply(body=[], delay=1.0), times=2, match=upstream.hf.on(DAY1.isoformat()))
    report = SourceReport()
    async with httpx.AsyncClient(timeout=0.2) as client:
        drafts = await collect(client, upstream, clock, [DAY1, DAY3], report, attempts=2)
    assert len(drafts) == 2
    assert report.errors == ["huggingface 2026-11-25: page 0: timed out (ReadTimeout) after 2 attempts"]


async def test_unreachable_hugging_face_is_unavailable(client, upstream, clock) -> None:
    with pytest.raises(SourceUnavailable, match="unreachable"):
        await collect(client, upstream, clock, [DAY1], base_url=closed_port_url() + "/api", attempts=2)


async def test_stopping_early_cancels_the_other_days(client, upstream, clock) -> None:
    upstream.hf.delay = 0.05
    stream = fetch_huggingface(
        client, base_url=upstream.hf_url, days=[DAY1, DAY2, DAY3], progress=RecordingProgress(), concurrency=1
    )
    first = await anext(stream)
    await stream.aclose()
    assert first
    assert len(upstream.requests_to("hf")) <= 2
