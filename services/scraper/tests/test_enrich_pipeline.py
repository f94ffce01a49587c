"""enrich_papers: drafts of every source in, validated and scored Paper records out, rejects reported."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from portfolio_scraper.enrich import EnrichResult, enrich, enrich_papers
from portfolio_scraper.enrich.classifier import TopicClassifier
from portfolio_scraper.enrich.score import InterestProfile
from portfolio_scraper.sources.types import PaperDraft
from portfolio_shared.schemas import Paper, PapersBulk

NOW = datetime(2025, 3, 1, tzinfo=UTC)
PROFILE = InterestProfile(["retrieval-augmented generation", "pytorch"], weights={"kubernetes": 0.5})


@pytest.fixture(scope="module")
def classifier() -> TopicClassifier:
    return TopicClassifier.default()


def drafts() -> list[PaperDraft]:
    published = NOW - timedelta(days=2)
    return [
        PaperDraft(
            arxiv_id="2502.01111v2",
            source="arxiv",
            title="Chunking Matters for\n  Retrieval-Augmented Generation",
            abstract="We study how passage segmentation affects retrieval-augmented generation with LLMs.",
            authors=["Ada Lovelace"],
            primary_category="cs.CL",
            categories=["cs.CL", "cs.IR"],
            published=published,
            updated=published,
            abs_url="https://arxiv.example/abs/2502.01111v2",
            pdf_url="https://arxiv.example/pdf/2502.01111v2",
        ),
        PaperDraft(
            arxiv_id="2502.01111",
            source="huggingface",
            title="Chunking Matters (HF)",
            hf_upvotes=55,
            hf_comments=4,
            github_repo="https://github.com/lab/chunking",
            github_stars=300,
            ai_keywords=["RAG", "Chunking", "rag"],
            ai_summary="Chunk size matters.",
        ),
        PaperDraft(
            arxiv_id="2502.02222",
            source="pwc",
            title="Quantized Vision Transformers on Phones",
            abstract="Post-training quantization of vision transformers for image classification on phones.",
            published=NOW - timedelta(days=20),
            has_code=True,
        ),
        # Not papers we can send: no title; a malformed id; updated before published.
        PaperDraft(arxiv_id="2502.03333", source="huggingface", hf_upvotes=3),
        PaperDraft(arxiv_id="not-an-id", source="arxiv", title="Broken"),
        PaperDraft(
            arxiv_id="2502.04444",
            source="arxiv",
            title="Time Travel",
            published=NOW,
            updated=NOW - timedelta(days=1),
        ),
    ]


def test_drafts_become_merged_enriched_validated_papers(classifier: TopicClassifier) -> None:
    result = enrich(drafts(), classifier=classifier, profile=PROFILE, now=NOW)
    assert isinstance(result, EnrichResult)
    rag, vit = result.papers
    assert all(isinstance(p, Paper) for p in result.papers)
    PapersBulk(papers=result.papers)  # one bulk request accepts them as they are

    assert (rag.arxiv_id, rag.version) == ("2502.01111", 2)
    assert rag.title == "Chunking Matters for Retrieval-Augmented Generation"
    assert rag.sources == ["arxiv", "huggingface"]
    assert (rag.hf_upvotes, rag.github_repo, rag.github_stars) == (55, "lab/chunking", 300)
    assert rag.topics[0] == "RAG"  # the defining topic first; LLMs are only mentioned
    assert rag.tags == ["rag", "chunking", "has-code"]
    assert set(rag.relevance_components) == {"interest", "community", "recency", "code"}
    assert rag.relevance_components["interest"] == pytest.approx(0.7)  # title match of a weight-1 term
    assert rag.relevance_components["code"] == 1.0
    assert 0 < rag.relevance <= 100

    assert vit.sources == ["pwc"]
    assert {"Computer Vision", "Efficiency"} <= set(vit.topics)
    assert vit.tags[-1] == "has-code"
    assert vit.version == 1  # unknown: the schema's default
    assert vit.relevance < rag.relevance  # older, no community signal, no interest match


def test_invalid_drafts_are_dropped_and_reported(
    classifier: TopicClassifier, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="portfolio_scraper.enrich"):
        result = enrich(drafts(), classifier=classifier, profile=PROFILE, now=NOW)
    rejected = {r.arxiv_id: r for r in result.rejected}
    assert set(rejected) == {"2502.03333", "not-an-id", "2502.04444"}
    assert rejected["2502.03333"].reason.startswith("title:")
    assert rejected["2502.03333"].sources == ["huggingface"]
    assert rejected["not-an-id"].reason.startswith("arxiv_id:")
    assert "updated is earlier than published" in rejected["2502.04444"].reason
    logged = [r for r in caplog.records if r.getMessage() == "paper rejected"]
    assert sorted(r.arxiv_id for r in logged) == sorted(rejected)  # type: ignore[attr-defined]


def test_enrich_papers_returns_the_valid_papers_only(classifier: TopicClassifier) -> None:
    papers = enrich_papers(drafts(), classifier=classifier, profile=PROFILE, now=NOW)
    assert [p.arxiv_id for p in papers] == ["2502.01111", "2502.02222"]


def test_enrichment_is_deterministic_given_now(classifier: TopicClassifier) -> None:
    def run(now: datetime) -> list[dict[str, object]]:
        return [
            p.model_dump() for p in enrich_papers(drafts(), classifier=classifier, profile=PROFILE, now=now)
        ]

    assert run(NOW) == run(NOW)
    assert run(NOW.replace(tzinfo=None)) == run(NOW)  # naive "now" is UTC
    later = run(NOW + timedelta(days=7))
    assert later[0]["relevance_components"]["recency"] == pytest.approx(  # type: ignore[index]
        run(NOW)[0]["relevance_components"]["recency"] / 2,
        abs=1e-4,  # type: ignore[index]
    )


def test_source_topics_and_tags_are_kept_beside_computed_ones(classifier: TopicClassifier) -> None:
    draft = PaperDraft(
        arxiv_id="2502.05555", source="arxiv", title="Robots", topics=["Robotics"], tags=["hand-picked"]
    )
    [paper] = enrich_papers([draft], classifier=classifier, profile=InterestProfile([]), now=NOW)
    assert paper.topics[0] == "Robotics"
    assert paper.tags[0] == "hand-picked"
    assert paper.relevance == 0.0  # no date, no interest, no community, no code


def test_input_drafts_are_not_modified(classifier: TopicClassifier) -> None:
    given = drafts()
    before = [repr(d) for d in given]
    enrich(given, classifier=classifier, profile=PROFILE, now=NOW)
    assert [repr(d) for d in given] == before
