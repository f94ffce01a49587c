"""Summaries: the local extractive one, and Gemini through the real google-genai SDK against a fake Vertex."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from portfolio_documents.processing.summarize import (
    VERTEX_EMPTY_SUMMARY,
    VertexSummarySettings,
    extractive_summary,
    split_sentences,
    summarize,
)
from portfolio_shared.embeddings.testing import FAKE_TOKEN, FakeVertexServer
from portfolio_shared.errors import UpstreamError
from portfolio_shared.log import REQUEST_ID_HEADER, request_id_var

KEY = (
    "In short, the platform scrapes new papers, chunks every document, embeds the chunks and "
    "answers questions about the papers with cited passages."
)
# Each early sentence touches one part of the system; only the last one ties them together.
LATE_KEY_TEXT = f"""# Notes

The weather was mild on the day the first version shipped. Nightly jobs scrape new papers from arXiv and
Hugging Face. A splitter chunks every document by heading, then by sentence. The chunks are embedded by a
small offline model. Questions from visitors are answered by the chatbot. Every answer shows the passages
it cites, with page numbers. The team drank a lot of coffee that week.
{KEY}
"""


def test_the_key_sentence_is_found_even_when_it_comes_last() -> None:
    assert summarize(LATE_KEY_TEXT, max_sentences=1) == KEY
    summary = summarize(LATE_KEY_TEXT)
    assert KEY in summary
    assert "coffee" not in summary and "weather" not in summary


def test_sentences_come_back_in_document_order_and_at_most_max() -> None:
    sentences = split_sentences(LATE_KEY_TEXT)
    for limit in (2, 3, 4):
        summary = summarize(LATE_KEY_TEXT, max_sentences=limit)
        picked = [s for s in sentences if s in summary]
        assert len(picked) == limit
        assert sorted(picked, key=sentences.index) == picked
        assert " ".join(picked) == summary


def test_a_repeated_sentence_is_not_picked_twice() -> None:
    text = f"{KEY} {KEY} " + " ".join(split_sentences(LATE_KEY_TEXT)[:-1])
    summary = extractive_summary(text, max_sentences=2)
    assert summary.count(KEY) == 1


def test_short_and_empty_texts() -> None:
    assert summarize("") == ""
    assert summarize("# Just a heading\n\n```\ncode only\n```\n") == ""
    assert summarize("One sentence only.") == "One sentence only."
    with pytest.raises(ValueError, match="max_sentences"):
        summarize("text", max_sentences=0)


def test_sentence_splitting_respects_markdown_pdf_lines_and_abbreviations() -> None:
    text = (
        "## Heading\n\n"
        "As shown by Smith et al. in 2020, retrieval helps. It works, e.g. for long PDFs\n"
        "whose lines break mid-sen-\ntence. Dr. Jones agreed.\n\n"
        "| a | b |\n|---|---|\n\n"
        "> Quoted **bold** words and [a link](https://example.invalid/x) ![logo](logo.png) count.\n\n"
        "- A list item stands alone\n"
        "- Another item.\n\n"
        "```\nprint('code. Not prose.')\n```\n"
    )
    assert split_sentences(text) == [
        "As shown by Smith et al. in 2020, retrieval helps.",
        "It works, e.g. for long PDFs whose lines break mid-sentence.",
        "Dr. Jones agreed.",
        "Quoted bold words and a link count.",
        "A list item stands alone",
        "Another item.",
    ]


# -- vertex ---------------------------------------------------------------------------------------

PROJECT, LOCATION = "portfolio-demo", "us-central1"
GENERATE_PATH = (
    f"/v1beta1/projects/{PROJECT}/locations/{LOCATION}"
    "/publishers/google/models/gemini-2.5-flash:generateContent"
)


@pytest.fixture
def fake() -> Iterator[FakeVertexServer]:
    with FakeVertexServer(
        generated_text="  The platform indexes papers\nand answers with citations.  "
    ) as server:
        yield server


def vertex_settings(fake: FakeVertexServer, **changes: Any) -> VertexSummarySettings:
    base = VertexSummarySettings(
        project=PROJECT,
        location=LOCATION,
        base_url=fake.url,
        credentials=fake.credentials(),
        retry_initial_delay=0.01,
    )
    return dataclasses.replace(base, **changes)


def test_gemini_is_asked_through_generate_content(fake: FakeVertexServer) -> None:
    token = request_id_var.set("req-summary-7")
    try:
        summary = summarize(LATE_KEY_TEXT, provider="vertex", vertex=vertex_settings(fake))
    finally:
        request_id_var.reset(token)

    assert summary == "The platform indexes papers and answers with citations."
    (request,) = fake.requests
    assert request.path == GENERATE_PATH
    assert request.headers["authorization"] == f"Bearer {FAKE_TOKEN}"
    assert request.headers[REQUEST_ID_HEADER.lower()] == "req-summary-7"
    (content,) = request.body["contents"]
    assert content["role"] == "user"
    prompt = content["parts"][0]["text"]
    assert "in 2 to 3 sentences" in prompt
    assert KEY in prompt
    assert request.body["systemInstruction"]["parts"][0]["text"].startswith("You summarise documents")
    config = request.body["generationConfig"]
    assert config["temperature"] == 0.2
    assert config["maxOutputTokens"] == 400


def test_only_the_opening_of_a_long_text_is_sent(fake: FakeVertexServer) -> None:
    long_text = "Opening words of the paper. " + "filler " * 5000 + "TAILMARKER"
    summarize(long_text, provider="vertex", vertex=vertex_settings(fake, max_input_chars=2000))
    prompt = fake.requests[0].body["contents"][0]["parts"][0]["text"]
    assert "Opening words" in prompt
    assert "TAILMARKER" not in prompt
    assert len(prompt) < 2400


def test_a_failed_call_falls_back_to_the_extractive_summary(fake: FakeVertexServer) -> None:
    fake.fail_next(500, times=3)
    summary = summarize(
        LATE_KEY_TEXT, provider="vertex", max_sentences=1, vertex=vertex_settings(fake, retry_attempts=2)
    )
    assert summary == KEY
    assert len(fake.requests) == 2  # retried once, then gave up


def test_without_fallback_the_upstream_error_surfaces(fake: FakeVertexServer) -> None:
    fake.fail_next(403, message="Permission denied on resource project.")
    settings = vertex_settings(fake, fallback_to_local=False)
    with pytest.raises(UpstreamError) as caught:
        summarize(LATE_KEY_TEXT, provider="vertex", vertex=settings)
    assert caught.value.status == 502
    assert caught.value.details == {"status": 403}


def test_a_response_without_text_is_an_error(fake: FakeVertexServer) -> None:
    fake.override = lambda path, body: (
        200,
        {"candidates": [{"finishReason": "SAFETY", "safetyRatings": []}], "modelVersion": "gemini-2.5-flash"},
    )
    with pytest.raises(UpstreamError) as caught:
        summarize(LATE_KEY_TEXT, provider="vertex", vertex=vertex_settings(fake, fallback_to_local=False))
    assert caught.value.error_code == VERTEX_EMPTY_SUMMARY
    assert KEY in summarize(LATE_KEY_TEXT, provider="vertex", vertex=vertex_settings(fake))


def test_vertex_needs_its_settings_and_skips_empty_text(fake: FakeVertexServer) -> None:
    with pytest.raises(ValueError, match="VertexSummarySettings"):
        summarize("text", provider="vertex")
    assert summarize("   ", provider="vertex", vertex=vertex_settings(fake)) == ""
    assert fake.requests == []
