"""The cross-service payloads accept what DESIGN.md describes and reject what it rules out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from portfolio_shared.errors import ValidationFailed
from portfolio_shared.schemas import (
    MAX_BULK_PAPERS,
    AnalyticsSummary,
    DocumentProcessedEvent,
    JobAccepted,
    Paper,
    PapersBulk,
    PingEvent,
    ProcessingJob,
    ReadyResponse,
    ScrapeRequest,
    ScraperJobCompletedEvent,
    SearchRequest,
    TextForIndexing,
    is_arxiv_id,
    parse_arxiv_id,
    parse_webhook_event,
)
from portfolio_shared.schemas.analytics import SUMMARY_EXAMPLE

T0 = datetime(2024, 1, 15, 2, 0, tzinfo=UTC)


def paper(arxiv_id: str = "2401.12345", **fields: Any) -> dict[str, Any]:
    return {"arxiv_id": arxiv_id, "title": "Attention Is Still All You Need", **fields}


# -- arXiv ids ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arxiv_id",
    [
        "2401.12345",  # new style, five digits (2015 on)
        "1501.00001",
        "0704.0001",  # the first new-style id
        "1412.9999",  # four digits until 2014
        "hep-th/9901001",  # old style
        "math.GT/0309136",  # old style with a subject class
        "cond-mat/0703999",  # the last old-style month
        "astro-ph/9108001",
    ],
)
def test_both_arxiv_id_styles_are_accepted(arxiv_id: str) -> None:
    assert Paper.model_validate(paper(arxiv_id)).arxiv_id == arxiv_id


@pytest.mark.parametrize(
    "arxiv_id",
    [
        "2401.12345v2",  # versioned: the version has its own field
        "arXiv:2401.12345",
        "2401.1234",  # four digits after 2015
        "1412.12345",  # five digits before 2015
        "0612.1234",  # new style did not exist yet
        "2413.12345",  # month 13
        "2400.12345",
        "hep-th/0801001",  # old style ended in 2007-03
        "HEP-TH/9901001",
        "hep-th/990100",
        "hep-th9901001",
        "12345",
        "",
        "https://arxiv.org/abs/2401.12345",
    ],
)
def test_bad_arxiv_ids_are_rejected(arxiv_id: str) -> None:
    assert not is_arxiv_id(arxiv_id)
    with pytest.raises(ValidationError) as info:
        Paper.model_validate(paper(arxiv_id))
    assert info.value.errors()[0]["loc"] == ("arxiv_id",)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2401.12345", ("2401.12345", None)),
        ("2401.12345v3", ("2401.12345", 3)),
        ("arXiv:2401.12345v12", ("2401.12345", 12)),
        ("hep-th/9901001v1", ("hep-th/9901001", 1)),
        ("solv-int/9901001", ("solv-int/9901001", None)),
    ],
)
def test_parse_arxiv_id_splits_off_the_version(raw: str, expected: tuple[str, int | None]) -> None:
    assert parse_arxiv_id(raw) == expected


@pytest.mark.parametrize("raw", ["2401.12345v0", "2401.12345v", "2401.123456v1", "nonsense"])
def test_parse_arxiv_id_rejects_garbage(raw: str) -> None:
    with pytest.raises(ValueError, match="not an arXiv id"):
        parse_arxiv_id(raw)


# -- Paper ----------------------------------------------------------------------------------------


def test_a_minimal_paper_gets_empty_lists_and_none_for_the_rest() -> None:
    p = Paper.model_validate(paper())
    assert p.version == 1
    assert p.authors == p.categories == p.sources == p.topics == p.tags == []
    assert p.relevance_components == {}
    assert p.published is None and p.doi is None and p.github_repo is None and p.hf_upvotes is None


def test_a_full_paper_round_trips_through_json() -> None:
    full = Paper.model_validate(
        paper(
            version=2,
            abstract="We show ...",
            authors=["Ada Lovelace", "Alan Turing"],
            primary_category="cs.LG",
            categories=["cs.LG", "cs.AI"],
            published=T0.isoformat(),
            updated=(T0 + timedelta(days=1)).isoformat(),
            abs_url="https://arxiv.org/abs/2401.12345",
            pdf_url="https://arxiv.org/pdf/2401.12345v2",
            doi="10.1000/xyz",
            journal_ref="NeurIPS 2024",
            comment="10 pages",
            sources=["arxiv", "huggingface"],
            hf_upvotes=42,
            hf_comments=3,
            github_repo="octo/model",
            github_stars=1200,
            project_url="https://example.org/project",
            ai_summary="A summary.",
            organization="Example Lab",
            topics=["llm"],
            tags=["has-code"],
            relevance=87.5,
            relevance_components={"keywords": 40.0, "upvotes": 47.5},
        )
    )
    again = Paper.model_validate_json(full.model_dump_json())
    assert again == full
    assert again.pdf_url == "https://arxiv.org/pdf/2401.12345v2"  # kept as given, not rewritten


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("version", 0),
        ("relevance", 100.01),
        ("relevance", -1),
        ("published", "2024-01-15T02:00:00"),  # naive datetime
        ("hf_upvotes", -1),
        ("github_repo", "https://github.com/octo/model"),
        ("sources", ["arxiv", "twitter"]),
        ("pdf_url", "ftp://arxiv.org/pdf/2401.12345"),
        ("title", "   "),
        ("pinned", True),  # core's own field: no upsert touches it
        ("sample", True),  # core's own too: a delivery can never mark a paper sample
    ],
)
def test_paper_rejects_out_of_contract_values(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        Paper.model_validate({**paper(), field: value})
    assert info.value.errors()[0]["loc"][0] == field


def test_relevance_bounds_are_inclusive() -> None:
    assert Paper.model_validate(paper(relevance=0)).relevance == 0
    assert Paper.model_validate(paper(relevance=100)).relevance == 100


def test_updated_before_published_is_rejected() -> None:
    with pytest.raises(ValidationError, match="earlier than published"):
        Paper.model_validate(paper(published=T0, updated=T0 - timedelta(seconds=1)))


def test_a_paper_drops_control_characters_and_lone_surrogates_from_every_string() -> None:
    odd = paper(
        title="Nul\x00 and\x0bVT\ud800",
        authors=["Ada\x00 Lovelace", "\x07Grace Hopper"],
        comment="bell\x07",
        relevance_components={"key\x00": 1.0},
    )
    parsed = Paper.model_validate(odd)
    assert (parsed.title, parsed.authors, parsed.comment) == (
        "Nul and VT", ["Ada Lovelace", "Grace Hopper"], "bell",
    )  # fmt: skip
    assert parsed.relevance_components == {"key": 1.0}
    # What core receives: NUL is valid JSON, so it parses, and is dropped the same way.
    body = json.dumps({"papers": [paper(title="T\u0000itle\u001b")]})
    assert PapersBulk.model_validate_json(body).papers[0].title == "Title"


def test_bulk_takes_up_to_2000_papers() -> None:
    papers = [paper(f"2401.{n:05d}") for n in range(MAX_BULK_PAPERS)]
    assert len(PapersBulk.model_validate({"papers": papers}).papers) == 2000


def test_bulk_of_2001_papers_is_rejected() -> None:
    papers = [paper(f"2401.{n:05d}") for n in range(MAX_BULK_PAPERS + 1)]
    with pytest.raises(ValidationError) as info:
        PapersBulk.model_validate({"papers": papers})
    assert info.value.errors()[0]["type"] == "too_long"


def test_bulk_rejects_the_same_paper_twice() -> None:
    with pytest.raises(ValidationError, match=r"duplicate arxiv_id.*2401\.00002"):
        PapersBulk.model_validate({"papers": [paper("2401.00001"), paper("2401.00002"), paper("2401.00002")]})


# -- webhooks -------------------------------------------------------------------------------------

SCRAPER_COMPLETED: dict[str, Any] = {
    "type": "scraper.job.completed",
    "id": "evt_1",
    "created_at": "2024-01-15T02:10:00+00:00",
    "data": {
        "job_id": "job-7",
        "source": "all",
        "state": "partial",
        "started_at": "2024-01-15T02:00:00Z",
        "finished_at": "2024-01-15T02:09:00Z",
        "counts": {"fetched": 120, "new": 30, "updated": 5, "skipped": 84, "failed": 1},
        "errors": [{"source": "pwc", "code": "upstream_timeout", "message": "timed out"}],
    },
}
DOCUMENT_PROCESSED: dict[str, Any] = {
    "type": "document.processed",
    "id": "evt_2",
    "created_at": "2024-01-15T03:00:00Z",
    "data": {
        "job_id": "job-9",
        "document_id": "doc-1",
        "document_key": "paper:2401.12345",
        "state": "succeeded",
        "source_type": "pdf",
        "source_url": "https://arxiv.org/pdf/2401.12345",
        "title": "A paper",
        "pages": 12,
        "chunks": 48,
        "characters": 51234,
        "summary": "About attention.",
        "content_sha256": "a" * 64,
    },
}


def test_webhook_bodies_parse_into_the_class_their_type_names() -> None:
    scraped = parse_webhook_event(json.dumps(SCRAPER_COMPLETED).encode())
    assert isinstance(scraped, ScraperJobCompletedEvent)
    assert scraped.data.counts.new == 30 and scraped.data.errors[0].source == "pwc"

    processed = parse_webhook_event(DOCUMENT_PROCESSED)
    assert isinstance(processed, DocumentProcessedEvent)
    assert processed.data.chunks == 48 and processed.data.error is None

    ping = parse_webhook_event(
        '{"type": "ping", "id": "evt_3", "created_at": "2024-01-15T03:00:00Z", "data": {}}'
    )
    assert isinstance(ping, PingEvent)


def test_an_event_survives_a_round_trip() -> None:
    event = PingEvent()
    assert event.id.startswith("evt_") and event.created_at.tzinfo is not None
    assert parse_webhook_event(event.model_dump_json()) == event


def test_unknown_event_type_has_its_own_code() -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_webhook_event({**SCRAPER_COMPLETED, "type": "scraper.job.exploded"})
    assert info.value.error_code == "webhook_unknown_type"


def test_data_must_match_the_type() -> None:
    # The data of one event under another's type is not accepted.
    with pytest.raises(ValidationFailed) as info:
        parse_webhook_event({**SCRAPER_COMPLETED, "data": DOCUMENT_PROCESSED["data"]})
    assert info.value.error_code == "validation_error"
    assert any(e["loc"][:2] == ("scraper.job.completed", "data") for e in info.value.details["errors"])


@pytest.mark.parametrize(
    "change",
    [
        {"created_at": "2024-01-15T02:10:00"},  # naive
        {"extra": 1},  # envelope is strict
        {"type": None},
        {
            "data": {**SCRAPER_COMPLETED["data"], "finished_at": "2024-01-15T01:00:00Z"}
        },  # ends before it starts
        {"data": {**SCRAPER_COMPLETED["data"], "state": "running"}},  # not finished
    ],
)
def test_malformed_webhook_bodies_are_rejected(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed):
        parse_webhook_event({**SCRAPER_COMPLETED, **change})


def test_malformed_json_is_a_validation_failure() -> None:
    with pytest.raises(ValidationFailed):
        parse_webhook_event(b"{not json")


def test_document_processed_carries_an_error_exactly_when_it_failed() -> None:
    data = dict(DOCUMENT_PROCESSED["data"])
    with pytest.raises(ValidationFailed, match="does not validate"):
        parse_webhook_event({**DOCUMENT_PROCESSED, "data": {**data, "state": "failed"}})
    failed = parse_webhook_event(
        {
            **DOCUMENT_PROCESSED,
            "data": {
                **data,
                "state": "failed",
                "document_id": None,
                "error": {"code": "pdf_encrypted", "message": "x"},
            },
        }
    )
    assert isinstance(failed, DocumentProcessedEvent) and failed.data.error is not None
    assert failed.data.error.code == "pdf_encrypted"


# -- requests and answers of the services ---------------------------------------------------------


@pytest.mark.parametrize(
    "body", [{"days": 0}, {"days": 31}, {"source": "twitter"}, {"days": 1, "force": True}]
)
def test_scrape_request_bounds(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ScrapeRequest.model_validate(body)


def test_scrape_request_defaults_and_limits() -> None:
    assert ScrapeRequest().model_dump() == {"source": "all", "days": 1}
    assert ScrapeRequest(source="pwc", days=30).days == 30


def test_text_for_indexing() -> None:
    item = TextForIndexing.model_validate(
        {
            "document_key": "project:rag-bot",
            "title": "RAG bot",
            "text": "# RAG bot\nA chatbot.",
            "format": "markdown",
            "source_url": "https://example.org/projects/rag-bot",
            "metadata": {"kind": "project", "year": 2024, "featured": True},
        }
    )
    assert item.metadata["year"] == 2024
    with pytest.raises(ValidationError):
        TextForIndexing.model_validate({**item.model_dump(), "format": "pdf"})
    with pytest.raises(ValidationError):  # Chroma keeps scalar metadata only
        TextForIndexing.model_validate({**item.model_dump(), "metadata": {"tags": {"a": 1}}})


def test_processing_job_shapes() -> None:
    done = ProcessingJob.model_validate(
        {
            "id": "job-1",
            "state": "succeeded",
            "progress": 100,
            "source": "pdf",
            "result": {"document_id": "doc-1", "pages": 3, "chunks": 9, "characters": 4000, "summary": "s"},
            "some_future_field": "ignored",
        }
    )
    assert done.result is not None and done.result.chunks == 9
    failed = ProcessingJob.model_validate(
        {
            "id": "job-2",
            "state": "failed",
            "progress": 40,
            "source": "github",
            "error": {"code": "c", "message": "m"},
        }
    )
    assert failed.error is not None and failed.result is None
    with pytest.raises(ValidationError):
        ProcessingJob.model_validate({"id": "job-3", "state": "running", "progress": 101, "source": "pdf"})
    with pytest.raises(ValidationError, match="carries its error"):
        ProcessingJob.model_validate({"id": "job-4", "state": "failed", "progress": 10, "source": "pdf"})


def test_job_accepted_requires_both_fields() -> None:
    assert JobAccepted.model_validate({"job_id": "j", "status_url": "/process/status/j"}).job_id == "j"
    with pytest.raises(ValidationError):
        JobAccepted.model_validate({"job_id": "j"})


@pytest.mark.parametrize("body", [{"query": ""}, {"query": "q", "k": 0}, {"query": "q", "k": 51}])
def test_search_request_bounds(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        SearchRequest.model_validate(body)


def test_search_request_filters() -> None:
    request = SearchRequest(query="rag", filters={"kind": ["paper", "project"], "year": 2024})
    assert request.k == 5 and request.filters["kind"] == ["paper", "project"]


def test_ready_response() -> None:
    ready = ReadyResponse.model_validate(
        {"status": "ready", "checks": {"postgres": {"ok": True, "detail": None}}}
    )
    assert ready.ok and ready.checks["postgres"].ok
    assert not ReadyResponse(status="not_ready").ok


def test_analytics_summary_speaks_camel_case_and_keeps_unknown_keys() -> None:
    body = {
        **SUMMARY_EXAMPLE,
        "newSection": {"x": 1},
        "pageViews": {**SUMMARY_EXAMPLE["pageViews"], "newFigure": 3},
    }
    summary = AnalyticsSummary.model_validate(body)
    assert summary.page_views.unique == 5 and summary.realtime.active_users == 1
    assert summary.papers.average_time_on_page == 42.5 and summary.from_ == "2026-03-02"
    assert summary.comparison is not None and summary.comparison.page_views.change == 2.0
    assert isinstance(summary.comparison.page_views.current, int)  # a count stays an integer
    assert summary.timeseries.previous is not None and summary.timeseries.previous[0].page_views == 4
    dumped = summary.model_dump(mode="json", by_alias=True)
    assert dumped == body  # what a proxy re-serialises is what it got, unknown keys included


def test_an_older_analytics_summary_without_the_comparison_still_parses() -> None:
    added = ("comparison", "entryPages", "exitPages", "utm", "devices")
    body = {key: value for key, value in SUMMARY_EXAMPLE.items() if key not in added}
    body["timeseries"] = {"interval": "hour", "points": []}
    summary = AnalyticsSummary.model_validate(body)
    assert summary.comparison is None and summary.timeseries.previous is None
    assert summary.exit_pages == [] and summary.devices.device_classes == [] and summary.utm.sources == []


def test_an_analytics_summary_of_the_wrong_shape_is_refused() -> None:
    for broken in (
        {**SUMMARY_EXAMPLE, "pageViews": {"total": 1, "unique": 1, "byPage": {"/": 1}}},
        {**SUMMARY_EXAMPLE, "timeseries": {"interval": "week", "points": []}},
        {key: value for key, value in SUMMARY_EXAMPLE.items() if key != "visits"},
    ):
        with pytest.raises(ValidationError):
            AnalyticsSummary.model_validate(broken)
