"""arXiv source against the fake upstream: paging, both API generations, flakes, throttling, failures."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fake_upstreams import FakeUpstreams, RecordingProgress, Reply, VirtualClock, closed_port_url
from upstream_formats import ArxivEntry, atom_feed, sample_entries

from portfolio_scraper.sources.arxiv import build_search_query, fetch_arxiv, parse_feed
from portfolio_scraper.sources.limiter import ArxivRateLimiter
from portfolio_scraper.sources.types import PaperDraft, SourceFailed, SourceReport, SourceUnavailable

START = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
END = datetime(2026, 11, 28, 23, 59, tzinfo=UTC)
CATEGORIES = ["cs.AI", "cs.LG", "cs.CL"]
IN_WINDOW = sample_entries(5, newest=datetime(2026, 11, 28, 20, 0, tzinfo=UTC))
TOO_OLD = ArxivEntry(
    "2611.09001", "Too Old", "Before the window.", ["X"], ["cs.LG"], datetime(2026, 11, 20, tzinfo=UTC)
)
OTHER_FIELD = ArxivEntry(
    "2611.09002", "Vision Only", "Not our categories.", ["Y"], ["cs.CV"], datetime(2026, 11, 27, tzinfo=UTC)
)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def limiter(clock: VirtualClock) -> ArxivRateLimiter:
    return ArxivRateLimiter(clock=clock, sleep=clock.sleep)


@pytest.fixture
def upstream(clock: VirtualClock) -> Iterator[FakeUpstreams]:
    with FakeUpstreams(clock=clock) as fake:
        fake.arxiv.entries = [*IN_WINDOW, TOO_OLD, OTHER_FIELD]
        yield fake


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as c:
        yield c


async def collect(
    client: httpx.AsyncClient,
    upstream: FakeUpstreams,
    limiter: ArxivRateLimiter,
    progress: RecordingProgress | None = None,
    **kwargs: object,
) -> list[list[PaperDraft]]:
    pages = []
    async for page in fetch_arxiv(
        client,
        base_url=kwargs.pop("base_url", upstream.arxiv_url),
        categories=CATEGORIES,
        start=START,
        end=END,
        progress=progress or RecordingProgress(),
        limiter=limiter,
        **kwargs,
    ):
        pages.append(page)
    return pages


def ids(pages: list[list[PaperDraft]]) -> list[str]:
    return [draft.arxiv_id for page in pages for draft in page]


async def test_pages_until_total_results_with_the_documented_query(client, upstream, limiter) -> None:
    progress = RecordingProgress()
    pages = await collect(client, upstream, limiter, progress, page_size=2)

    assert [len(page) for page in pages] == [2, 2, 1]
    # Newest first, only the window and our categories: the fake filtered by the query we sent.
    assert ids(pages) == [e.arxiv_id for e in IN_WINDOW]
    sent = upstream.requests_to("arxiv")
    assert [r.query["start"] for r in sent] == ["0", "2", "4"]
    assert {r.query["max_results"] for r in sent} == {"2"}
    assert {r.query["sortBy"] for r in sent} == {"submittedDate"}
    assert {r.query["sortOrder"] for r in sent} == {"descending"}
    assert sent[0].query["search_query"] == (
        "(cat:cs.AI OR cat:cs.LG OR cat:cs.CL) AND submittedDate:[202611260000 TO 202611282359]"
    )
    assert (progress.fetched, progress.total, progress.page) == (5, 5, 3)


async def test_empty_result_set_makes_one_request_and_no_page(client, upstream, limiter) -> None:
    upstream.arxiv.entries = [TOO_OLD]
    progress = RecordingProgress()
    assert await collect(client, upstream, limiter, progress) == []
    assert len(upstream.requests_to("arxiv")) == 1
    assert progress.total == 0


async def test_entry_fields_are_parsed_and_normalised(client, upstream, limiter) -> None:
    entry = ArxivEntry(
        arxiv_id="2611.01234",
        version=2,
        title="Attention   Sinks\n  in Long-Context   Transformers",
        abstract="We find that\n  attention concentrates   on the first tokens.\n",
        authors=["Ada Lovelace", "Alan Turing"],
        affiliations={"Ada Lovelace": "Analytical  Engines Ltd", "Alan Turing": "NPL"},
        categories=["cs.CL", "cs.LG"],
        published=datetime(2026, 11, 27, 9, 30, tzinfo=UTC),
        updated=datetime(2026, 11, 28, 10, 0, tzinfo=UTC),
        comment="12 pages,\n 4 figures",
        journal_ref="TACL 14 (2026) 1-20",
        doi="10.1162/tacl.2026.1",
    )
    upstream.arxiv.entries = [entry]
    [[draft]] = await collect(client, upstream, limiter)

    assert draft.arxiv_id == "2611.01234"
    assert draft.version == 2
    assert draft.source == "arxiv" and draft.sources == ["arxiv"]
    assert draft.title == "Attention Sinks in Long-Context Transformers"
    assert draft.abstract == "We find that attention concentrates on the first tokens."
    assert draft.authors == ["Ada Lovelace", "Alan Turing"]
    assert draft.affiliations == ["Analytical Engines Ltd", "NPL"]
    assert draft.primary_category == "cs.CL"
    assert draft.categories == ["cs.CL", "cs.LG"]
    assert draft.published == datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    assert draft.updated == datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert draft.abs_url == "https://arxiv.org/abs/2611.01234v2"
    assert draft.pdf_url == "https://arxiv.org/pdf/2611.01234v2"
    assert draft.comment == "12 pages, 4 figures"
    assert draft.journal_ref == "TACL 14 (2026) 1-20"
    assert draft.doi == "10.1162/tacl.2026.1"


def test_old_generation_feed_and_old_style_ids() -> None:
    entries = [
        ArxivEntry(
            "hep-th/9901001", "Strings", "S.", ["E. Witten"], ["hep-th"], datetime(1999, 1, 4, tzinfo=UTC)
        ),
        ArxivEntry(
            "math.GT/0309136", "Knots", "K.", ["G. P."], ["math.GT"], datetime(2003, 9, 8, tzinfo=UTC), 3
        ),
        ArxivEntry("0704.0001", "First", "F.", ["C. B."], ["hep-ph"], datetime(2007, 4, 2, tzinfo=UTC), 2),
    ]
    page = parse_feed(atom_feed(entries, total=40, start=20, generation="old"))

    assert (page.total, page.start, page.entries) == (40, 20, 3)
    assert [(d.arxiv_id, d.version) for d in page.drafts] == [
        ("hep-th/9901001", 1),
        ("math.GT/0309136", 3),
        ("0704.0001", 2),
    ]
    assert page.drafts[0].abs_url == "http://arxiv.org/abs/hep-th/9901001v1"
    assert page.drafts[1].primary_category == "math.GT"


def test_version_taken_from_the_link_when_the_id_has_none() -> None:
    # The user manual's own example: the entry id without a version, the links with one.
    feed = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/abs/hep-ex/0307015</id>
    <published>2003-07-07T13:46:39-04:00</published>
    <updated>2003-07-07T13:46:39-04:00</updated>
    <title>Multi-Electron Production at High Transverse Momenta in ep Collisions at HERA</title>
    <summary>Multi-electron production is studied at high electron transverse momentum.</summary>
    <author><name>H1 Collaboration</name></author>
    <arxiv:journal_ref xmlns:arxiv="http://arxiv.org/schemas/atom"
      >Eur.Phys.J. C31 (2003) 17-29</arxiv:journal_ref>
    <link href="http://arxiv.org/abs/hep-ex/0307015v1" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/hep-ex/0307015v1" rel="related" type="application/pdf"/>
    <link title="doi" href="http://dx.doi.org/10.1140/epjc/s2003-01326-x" rel="related"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="hep-ex"/>
    <category term="hep-ex" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
</feed>"""
    [draft] = parse_feed(feed).drafts
    assert (draft.arxiv_id, draft.version) == ("hep-ex/0307015", 1)
    assert draft.published == datetime(2003, 7, 7, 17, 46, 39, tzinfo=UTC)
    assert draft.doi == "10.1140/epjc/s2003-01326-x"  # from the doi link when arxiv:doi is absent


def test_entries_without_an_arxiv_id_are_skipped_and_counted() -> None:
    feed = atom_feed(IN_WINDOW[:2]).replace(b"/abs/2611.00002v", b"/abs/not-an-id-v")
    report = SourceReport()
    page = parse_feed(feed, report=report)
    assert [d.arxiv_id for d in page.drafts] == ["2611.00001"]
    assert (page.entries, report.skipped) == (2, 1)


@pytest.mark.parametrize(("generation", "status"), [("new", 400), ("old", 200)])
async def test_error_feed_of_either_generation_fails_the_job(
    client, upstream, limiter, generation, status
) -> None:
    upstream.arxiv.generation = generation
    upstream.arxiv.error("incorrect id format for 1234.12345")

    pages: list[list[PaperDraft]] = []
    with pytest.raises(SourceFailed, match=r"incorrect id format for 1234\.12345"):
        async for page in fetch_arxiv(
            client,
            base_url=upstream.arxiv_url,
            categories=CATEGORIES,
            start=START,
            end=END,
            progress=RecordingProgress(),
            limiter=limiter,
        ):
            pages.append(page)
    assert pages == []
    assert [r.status for r in upstream.requests_to("arxiv")] == [status]


async def test_error_feed_on_a_later_page_never_becomes_a_paper(client, upstream, limiter) -> None:
    upstream.arxiv.script.push(lambda q: upstream.arxiv.page(q))  # page 1 as usual
    upstream.arxiv.error("start must be an integer")
    pages: list[list[PaperDraft]] = []
    with pytest.raises(SourceFailed, match="start must be an integer"):
        async for page in fetch_arxiv(
            client,
            base_url=upstream.arxiv_url,
            categories=CATEGORIES,
            start=START,
            end=END,
            progress=RecordingProgress(),
            page_size=2,
            limiter=limiter,
        ):
            pages.append(page)
    assert ids(pages) == [e.arxiv_id for e in IN_WINDOW[:2]]
    assert all(d.title != "Error" for page in pages for d in page)


async def test_http_400_without_an_error_feed_fails_the_job(client, upstream, limiter) -> None:
    upstream.arxiv.script.push(Reply(status=400, body="Bad Request", content_type="text/plain"))
    with pytest.raises(SourceFailed, match="HTTP 400: Bad Request"):
        await collect(client, upstream, limiter)


async def test_malformed_xml_fails_the_job(client, upstream, limiter) -> None:
    upstream.arxiv.malformed()
    with pytest.raises(SourceFailed, match="malformed XML"):
        await collect(client, upstream, limiter)


async def test_xml_that_is_not_a_result_feed_is_unavailable(client, upstream, limiter) -> None:
    upstream.arxiv.script.push(Reply(body=b"<html><body>maintenance</body></html>", content_type="text/html"))
    with pytest.raises(SourceUnavailable, match="not an Atom feed"):
        await collect(client, upstream, limiter)


async def test_empty_page_flake_is_retried_then_succeeds(client, upstream, limiter) -> None:
    upstream.arxiv.empty_page(times=2, match=lambda q: q["start"] == "2")
    pages = await collect(client, upstream, limiter, page_size=2)

    assert ids(pages) == [e.arxiv_id for e in IN_WINDOW]
    assert [r.query["start"] for r in upstream.requests_to("arxiv")] == ["0", "2", "2", "2", "4"]


async def test_empty_page_that_stays_empty_fails_after_the_retries(client, upstream, limiter) -> None:
    upstream.arxiv.empty_page(times=10, match=lambda q: q["start"] == "2")
    with pytest.raises(SourceFailed, match="empty page at start=2 of 5 results 4 times"):
        await collect(client, upstream, limiter, page_size=2, empty_page_retries=3)
    assert [r.query["start"] for r in upstream.requests_to("arxiv")] == ["0", "2", "2", "2", "2"]


async def test_429_and_503_are_retried_honouring_retry_after_on_the_server_clock(
    client, upstream, limiter
) -> None:
    upstream.arxiv.throttle(status=429, retry_after=7)
    upstream.arxiv.throttle(status=503, retry_after=None)
    pages = await collect(client, upstream, limiter)

    assert ids(pages) == [e.arxiv_id for e in IN_WINDOW]
    assert [r.status for r in upstream.requests_to("arxiv")] == [429, 503, 200]
    first_gap, second_gap = upstream.gaps("arxiv")
    assert first_gap >= 7  # Retry-After honoured
    assert second_gap >= 3  # no Retry-After: backoff, never under the 3 s spacing


async def test_throttling_that_never_ends_makes_the_source_unavailable(client, upstream, limiter) -> None:
    upstream.arxiv.throttle(status=503, retry_after=1, times=10)
    with pytest.raises(SourceUnavailable, match="HTTP 503 after 3 attempts"):
        await collect(client, upstream, limiter, attempts=3)
    assert len(upstream.requests_to("arxiv")) == 3


async def test_retry_after_beyond_the_cap_gives_up_at_once(client, upstream, limiter) -> None:
    upstream.arxiv.throttle(status=429, retry_after=3600)
    with pytest.raises(SourceUnavailable, match="retry after 3600 s"):
        await collect(client, upstream, limiter)
    assert len(upstream.requests_to("arxiv")) == 1


async def test_plain_text_rate_exceeded_is_treated_as_throttling(client, upstream, limiter) -> None:
    upstream.arxiv.script.push(Reply(body="Rate exceeded.", content_type="text/plain"))
    pages = await collect(client, upstream, limiter)
    assert ids(pages) == [e.arxiv_id for e in IN_WINDOW]
    assert len(upstream.requests_to("arxiv")) == 2


async def test_a_timeout_is_retried(upstream, limiter) -> None:
    upstream.arxiv.script.push(Reply(body=b"", delay=1.0))
    async with httpx.AsyncClient(timeout=0.2) as client:
        pages = await collect(client, upstream, limiter)
    assert ids(pages) == [e.arxiv_id for e in IN_WINDOW]
    assert len(upstream.requests_to("arxiv")) == 2


async def test_timeouts_on_every_attempt_make_the_source_unavailable(upstream, limiter) -> None:
    upstream.arxiv.script.push(Reply(body=b"", delay=1.0), times=2)
    async with httpx.AsyncClient(timeout=0.2) as client:
        with pytest.raises(SourceUnavailable, match="timed out"):
            await collect(client, upstream, limiter, attempts=2)


async def test_unreachable_arxiv_is_unavailable(client, upstream, limiter) -> None:
    with pytest.raises(SourceUnavailable, match="unreachable"):
        await collect(client, upstream, limiter, base_url=closed_port_url() + "/api/query", attempts=2)


async def test_wrong_address_is_unavailable(client, upstream, limiter) -> None:
    with pytest.raises(SourceUnavailable, match="HTTP 404"):
        await collect(client, upstream, limiter, base_url=upstream.url + "/nowhere")


def test_query_refuses_categories_that_would_change_its_logic() -> None:
    with pytest.raises(ValueError, match="not an arXiv category"):
        build_search_query(["cs.AI) OR (all:x"], START, END)
    with pytest.raises(ValueError, match="at least one"):
        build_search_query([], START, END)
    # Aware times are converted to UTC; a single category keeps the same shape.
    local = datetime.fromisoformat("2026-11-26T01:00:00+01:00")
    assert build_search_query(["cs.LG"], local, END) == (
        "(cat:cs.LG) AND submittedDate:[202611260000 TO 202611282359]"
    )
