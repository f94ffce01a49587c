"""Papers with Code against the fake upstream: pages, arXiv-id drafts, and an unavailable catalogue."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fake_upstreams import FakeUpstreams, RecordingProgress, Reply, VirtualClock, closed_port_url
from upstream_formats import pwc_paper

from portfolio_scraper.sources.pwc import fetch_pwc, paper_draft
from portfolio_scraper.sources.types import PaperDraft, SourceReport, SourceUnavailable

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
RICH = pwc_paper(
    "2611.05555v3",
    "Efficient\n  Retrieval for Agents",
    catalog_id=11,
    abstract="We make retrieval\ncheap.",
    authors=["Barbara Liskov"],
    repositories=[
        {"url": "https://github.com/fan/reimplementation", "is_official": False, "stars": 4},
        {"url": "https://github.com/lab/efficient-retrieval", "is_official": True, "stars": 812},
    ],
    official=True,
    project_pages=["https://lab.example.org/efficient-retrieval"],
    organizations=["Example Lab"],
)
RECENT = [
    RICH,
    pwc_paper("2611.05556", "Second", catalog_id=12, published="2026-11-26"),
    pwc_paper(None, "A Paper Only in the Catalogue", catalog_id=13),
    pwc_paper("2611.05557", "Third", catalog_id=14, published="2026-11-28"),
    pwc_paper("2610.01234", "Outside the Window", catalog_id=15, published="2026-10-01"),
]
TRENDING = [
    pwc_paper("2611.05556", "Second", catalog_id=12, published="2026-11-26"),  # also recent
    pwc_paper("2611.06000", "Trending Old Hit", catalog_id=16, published="2026-11-23"),
    pwc_paper("", "Empty Id", catalog_id=17),
]


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def upstream(clock: VirtualClock) -> Iterator[FakeUpstreams]:
    with FakeUpstreams(clock=clock) as fake:
        fake.pwc.recent = list(RECENT)
        fake.pwc.trending = list(TRENDING)
        yield fake


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as c:
        yield c


async def collect(
    client: httpx.AsyncClient,
    upstream: FakeUpstreams,
    clock: VirtualClock,
    report: SourceReport | None = None,
    progress: RecordingProgress | None = None,
    **kwargs: object,
) -> list[list[PaperDraft]]:
    pages = []
    async for page in fetch_pwc(
        client,
        base_url=kwargs.pop("base_url", upstream.pwc_url),
        days=7,
        progress=progress or RecordingProgress(),
        sleep=clock.sleep,
        report=report,
        now=NOW,
        **kwargs,
    ):
        pages.append(page)
    return pages


async def test_recent_and_trending_pages_become_arxiv_drafts_once_each(client, upstream, clock) -> None:
    report, progress = SourceReport(), RecordingProgress()
    pages = await collect(client, upstream, clock, report, progress, page_size=2)
    drafts = [d for page in pages for d in page]

    assert [d.arxiv_id for d in drafts] == ["2611.05555", "2611.05556", "2611.05557", "2611.06000"]
    assert {d.source for d in drafts} == {"pwc"}
    assert report.skipped == 2  # one paper in each list has no arXiv id
    sent = [(r.path, r.query.get("page")) for r in upstream.requests_to("pwc")]
    assert sent == [
        ("/pwc/api/v1/papers/recent", "1"),
        ("/pwc/api/v1/papers/recent", "2"),  # followed through the ``next`` link
        ("/pwc/api/v1/papers/recent", "3"),
        ("/pwc/api/v1/papers/trending", "1"),
        ("/pwc/api/v1/papers/trending", "2"),
    ]
    assert upstream.requests_to("pwc")[3].query["max_age_days"] == "7"
    assert progress.fetched == 4


async def test_a_rich_catalogue_paper_keeps_code_project_and_organisation(client, upstream, clock) -> None:
    [first, *_] = await collect(client, upstream, clock)
    rich = first[0]

    assert (rich.arxiv_id, rich.version) == ("2611.05555", 3)
    assert rich.title == "Efficient Retrieval for Agents"
    assert rich.abstract == "We make retrieval cheap."
    assert rich.authors == ["Barbara Liskov"]
    assert rich.published == datetime(2026, 11, 27, tzinfo=UTC)
    assert (rich.github_repo, rich.github_stars) == ("lab/efficient-retrieval", 812)  # the official one
    assert rich.has_code is True
    assert rich.project_url == "https://lab.example.org/efficient-retrieval"
    assert rich.organization == "Example Lab"
    assert rich.pdf_url == "https://arxiv.org/pdf/2611.05555v3"
    assert rich.abs_url is None  # the catalogue's own page is not the arXiv abstract


def test_a_plain_list_row_says_no_code_and_names_no_repository() -> None:
    draft = paper_draft(pwc_paper("2611.05556", "Second"))
    assert draft is not None
    assert (draft.github_repo, draft.github_stars, draft.has_code) == (None, None, False)
    assert paper_draft({"arxiv_id": "2611.05556", "title": "No code fields"}).has_code is None  # type: ignore[union-attr]
    assert paper_draft({"arxiv_id": "12345", "title": "Catalogue id only"}) is None


async def test_next_page_numbers_items_and_bare_lists_are_understood(client, upstream, clock) -> None:
    endpoint = upstream.pwc.on
    upstream.pwc.script.push(
        Reply(body={"count": 3, "items": [RECENT[0]], "next_page": 2}), match=endpoint("papers/recent")
    )
    upstream.pwc.script.push(Reply(body={"count": 3, "items": [RECENT[1]]}), match=endpoint("papers/recent"))
    upstream.pwc.script.push(Reply(body=[TRENDING[1]]), match=endpoint("papers/trending"))
    pages = await collect(client, upstream, clock)

    assert [[d.arxiv_id for d in page] for page in pages] == [["2611.05555"], ["2611.05556"], ["2611.06000"]]
    assert [r.query.get("page") for r in upstream.requests_to("pwc")] == ["1", "2", "1"]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(body=b'"just a string"'), "unexpected shape str"),
        (Reply(body={"count": 1, "data": []}), "no result list"),
        (Reply(body=b'{"count": 2, "results": [{"arxiv_id": "26'), "invalid JSON"),
        (Reply(status=404, body={"detail": "Not found."}), "HTTP 404"),
    ],
)
async def test_unexpected_answers_make_the_source_unavailable(client, upstream, clock, reply, reason) -> None:
    upstream.pwc.script.push(reply)
    with pytest.raises(SourceUnavailable, match=reason):
        await collect(client, upstream, clock)


async def test_unreachable_catalogue_is_unavailable_and_invents_nothing(client, upstream, clock) -> None:
    pages: list[list[PaperDraft]] = []
    with pytest.raises(SourceUnavailable, match="unreachable"):
        async for page in fetch_pwc(
            client,
            base_url=closed_port_url() + "/api/v1",
            days=3,
            progress=RecordingProgress(),
            attempts=2,
            sleep=clock.sleep,
        ):
            pages.append(page)
    assert pages == []


async def test_503_is_retried_honouring_retry_after_on_the_server_clock(client, upstream, clock) -> None:
    upstream.pwc.throttle(status=503, retry_after=4)
    pages = await collect(client, upstream, clock)
    assert sum(len(page) for page in pages) == 4
    assert [r.status for r in upstream.requests_to("pwc")][:2] == [503, 200]
    assert upstream.gaps("pwc")[0] >= 4
