"""The sample papers a first run shows (``papers.sample``): loaded through the real upsert with the
scraper's own topic classifier, flagged ``sample``, hidden by the first real delivery, removed exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from rest_framework.test import APIClient

from content.models import IndexRecord
from content.tests.support import clear_outbox, outbox
from papers.models import Paper
from papers.sample import load_sample_papers, remove_sample_papers, sample_papers_shown
from papers.services import reclassify_papers
from papers.tests.conftest import payload, store
from papers.tests.test_indexing import batch_items
from portfolio_scraper.enrich.classifier import PaperText, TopicClassifier
from portfolio_shared.contracts import paper_text_key
from portfolio_shared.schemas import ClassifyPaper, PaperTopics, is_arxiv_id
from portfolio_shared.testing_sockets import closed_port

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
PAPERS = f"/{django_settings.ADMIN_PATH}papers/paper/"


@cache
def classifier() -> TopicClassifier:
    return TopicClassifier.default()


def scraper_classify(papers: list[ClassifyPaper]) -> list[PaperTopics]:
    """What the scraper's ``POST /classify`` answers, computed by the same classifier in process."""
    texts = [
        PaperText(title=p.title, abstract=p.abstract, categories=p.categories, primary=p.primary_category)
        for p in papers
    ]
    answers = classifier().classify_many(texts)
    return [PaperTopics(arxiv_id=p.arxiv_id, topics=t) for p, t in zip(papers, answers, strict=True)]


def test_the_sample_papers_are_loaded_dated_from_now_with_the_classifiers_topics() -> None:
    result = load_sample_papers(classify=scraper_classify, now=NOW)
    papers = list(Paper.objects.all())
    assert result.created == len(papers) >= 50
    assert all(p.sample and not p.hidden for p in papers)
    # Ids: valid for the contract, in an archive arXiv never had; no link to arXiv.
    assert all(is_arxiv_id(p.arxiv_id) and p.arxiv_id.startswith("sample/") for p in papers)
    assert all(p.abs_url is None and p.pdf_url is None for p in papers)
    # The last 14 days before the load.
    assert all(NOW - timedelta(days=14) <= p.published <= NOW for p in papers)  # type: ignore[operator]
    # Topics are the classifier's: re-classifying with it changes none ...
    assert reclassify_papers(classify=scraper_classify, dry_run=True).changed == 0
    # ... and every topic of the taxonomy has sample papers.
    assert {t for p in papers for t in p.topics} == set(classifier().taxonomy.names)
    assert sum(1 for p in papers if p.topics) >= 50
    # Upvotes and code links, as a feed shows them.
    assert sum(1 for p in papers if p.github_repo) >= 40
    assert all(p.hf_upvotes for p in papers)
    # Their text goes to the chatbot's index like any paper's.
    assert set(batch_items(outbox())) == {paper_text_key(p.arxiv_id) for p in papers}


def test_loading_again_changes_nothing() -> None:
    load_sample_papers(classify=scraper_classify, now=NOW)
    again = load_sample_papers(classify=scraper_classify, now=NOW + timedelta(hours=3))
    assert again.created == again.updated == 0
    assert again.unchanged == Paper.objects.count()


def test_the_api_marks_sample_papers(api: APIClient) -> None:
    load_sample_papers(classify=scraper_classify, now=NOW)
    store(payload("2612.00001"))  # a real delivery (hides the samples) ...
    Paper.objects.filter(sample=True).update(hidden=False)  # ... shown again for this test
    rows = api.get("/api/papers/?page_size=100").json()["results"]
    assert {row["arxiv_id"]: row["sample"] for row in rows}["2612.00001"] is False
    assert all(row["sample"] for row in rows if row["arxiv_id"].startswith("sample/"))


def test_the_first_real_delivery_hides_the_sample_papers_and_their_index_entries(post_bulk) -> None:  # type: ignore[no-untyped-def]
    load_sample_papers(classify=scraper_classify, now=NOW)
    samples = list(Paper.objects.values_list("arxiv_id", flat=True))
    clear_outbox()
    assert post_bulk([payload("2612.00001", title="A real paper")]).status_code == 200
    assert sample_papers_shown() == 0
    assert Paper.objects.filter(sample=True, hidden=True).count() == len(samples)
    messages = outbox()
    deleted = {m["path"] for m in messages if m["method"] == "DELETE"}
    assert deleted == {
        f"/documents/{paper_text_key(i).replace(':', '%3A').replace('/', '%2F')}" for i in samples
    }
    assert set(batch_items(messages)) == {paper_text_key("2612.00001")}


def test_removal_deletes_every_sample_paper_and_its_index_entry_and_nothing_real() -> None:
    store(payload("2612.00001"))
    load_sample_papers(classify=scraper_classify, now=NOW)
    samples = set(Paper.objects.filter(sample=True).values_list("arxiv_id", flat=True))
    clear_outbox()
    assert remove_sample_papers() == len(samples)
    assert list(Paper.objects.values_list("arxiv_id", flat=True)) == ["2612.00001"]
    assert len([m for m in outbox() if m["method"] == "DELETE"]) == len(samples)
    assert set(IndexRecord.objects.values_list("document_key", flat=True)) == {paper_text_key("2612.00001")}


def test_the_admin_action_removes_the_whole_sample_set_and_says_what_it_could_not(
    admin_client: Client, settings: Any
) -> None:
    store(payload("2612.00001"))
    load_sample_papers(classify=scraper_classify, now=NOW)
    settings.ANALYTICS_URL = f"http://127.0.0.1:{closed_port()}"  # analytics is down
    clear_outbox()
    real = Paper.objects.get(arxiv_id="2612.00001")
    response = admin_client.post(
        PAPERS, {"action": "remove_sample_data", "_selected_action": [real.pk]}, follow=True
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("sample papers: 61 deleted") for m in shown), shown
    assert any(m.startswith("Not removed: sample analytics traffic") for m in shown), shown
    assert list(Paper.objects.values_list("arxiv_id", flat=True)) == ["2612.00001"]
    deletes = {m["path"] for m in outbox() if m["method"] == "DELETE"}
    assert "/documents/sample%3Ahandbook" in deletes
