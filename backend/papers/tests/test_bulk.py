"""The scraper's bulk upsert: idempotent, version-aware, never erasing, never touching the owner's flags."""

from __future__ import annotations

import json
from typing import Any

import pytest

from papers.models import Paper
from papers.tests.conftest import payload, store

pytestmark = pytest.mark.django_db

ROW_FIELDS = [f.name for f in Paper._meta.concrete_fields if f.name != "search_vector"]


def snapshot() -> dict[str, dict[str, Any]]:
    return {row["arxiv_id"]: row for row in Paper.objects.values(*ROW_FIELDS)}


def test_new_papers_are_created_with_every_field(post_bulk) -> None:  # type: ignore[no-untyped-def]
    papers = [
        payload("2401.00001", doi="10.1/x", hf_upvotes=3, github_repo="org/repo", topics=["nlp"]),
        payload("hep-th/9901001", sources=["arxiv", "arxiv"]),
    ]
    response = post_bulk(papers)
    assert response.status_code == 200
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}
    new, old = Paper.objects.get(arxiv_id="2401.00001"), Paper.objects.get(arxiv_id="hep-th/9901001")
    assert (new.doi, new.hf_upvotes, new.github_repo, new.topics) == ("10.1/x", 3, "org/repo", ["nlp"])
    assert new.authors == ["Ada Lovelace", "Alan Turing"]
    assert new.journal_ref is None  # unknown stays null, not ""
    assert old.sources == ["arxiv"]
    assert not new.pinned and not new.hidden


def test_the_same_batch_twice_changes_nothing(post_bulk) -> None:  # type: ignore[no-untyped-def]
    papers = [payload(f"2401.{n:05d}", hf_upvotes=n, tags=["a", "b"]) for n in range(1, 6)]
    assert post_bulk(papers).json()["created"] == 5
    before = snapshot()
    second = post_bulk(papers)
    assert second.json() == {"created": 0, "updated": 0, "unchanged": 5}
    assert snapshot() == before  # `modified` included: not bumped


def test_a_newer_version_updates_and_bumps_modified(post_bulk) -> None:  # type: ignore[no-untyped-def]
    post_bulk([payload("2401.00001", title="First title")])
    before = Paper.objects.get()
    response = post_bulk([payload("2401.00001", version=2, title="Second title", comment="v2: fixes")])
    assert response.json() == {"created": 0, "updated": 1, "unchanged": 0}
    after = Paper.objects.get()
    assert (after.version, after.title, after.comment) == (2, "Second title", "v2: fixes")
    assert after.modified > before.modified
    assert after.created == before.created


def test_an_older_version_never_overwrites_a_newer_one(post_bulk) -> None:  # type: ignore[no-untyped-def]
    post_bulk([payload("2401.00001", version=3, title="Third", abstract="New abstract")])
    before = snapshot()
    response = post_bulk([payload("2401.00001", version=2, title="Second", abstract="Old abstract")])
    assert response.json() == {"created": 0, "updated": 0, "unchanged": 1}
    assert snapshot() == before


def test_an_older_version_only_fills_what_is_still_unknown(post_bulk) -> None:  # type: ignore[no-untyped-def]
    post_bulk([payload("2401.00001", version=2, title="Second")])
    post_bulk([payload("2401.00001", version=1, title="First", journal_ref="J. Stuff 1")])
    paper = Paper.objects.get()
    assert (paper.version, paper.title, paper.journal_ref) == (2, "Second", "J. Stuff 1")


def test_a_source_that_does_not_know_a_field_never_erases_it(post_bulk) -> None:  # type: ignore[no-untyped-def]
    arxiv = payload("2401.00001", abstract="The abstract.", categories=["cs.LG", "cs.AI"], topics=["llm"])
    huggingface = {
        "arxiv_id": "2401.00001",
        "title": "Paper 2401.00001",
        "sources": ["huggingface"],
        "hf_upvotes": 42,
        "hf_comments": 5,
        "ai_summary": "A summary.",
        "github_repo": "org/repo",
        "organization": "Lab",
        "tags": ["trending"],
    }
    post_bulk([arxiv])
    assert post_bulk([huggingface]).json()["updated"] == 1
    paper = Paper.objects.get()
    assert paper.abstract == "The abstract."
    assert paper.authors == ["Ada Lovelace", "Alan Turing"]
    assert paper.categories == ["cs.LG", "cs.AI"]
    assert paper.published is not None and paper.abs_url is not None
    assert paper.sources == ["arxiv", "huggingface"]
    assert (paper.hf_upvotes, paper.ai_summary, paper.github_repo) == (42, "A summary.", "org/repo")
    assert (paper.topics, paper.tags) == (["llm"], ["trending"])

    # arXiv again, knowing nothing of Hugging Face: nothing to change.
    assert post_bulk([arxiv]).json() == {"created": 0, "updated": 0, "unchanged": 1}
    again = Paper.objects.get()
    assert (again.hf_upvotes, again.ai_summary, again.github_repo, again.organization) == (
        42,
        "A summary.",
        "org/repo",
        "Lab",
    )
    assert again.sources == ["arxiv", "huggingface"]


def test_counters_and_relevance_keep_the_greatest_value(post_bulk) -> None:  # type: ignore[no-untyped-def]
    post_bulk([payload("2401.00001", hf_upvotes=10, github_stars=100, relevance=70.0,
                       relevance_components={"topic": 40.0, "upvotes": 30.0})])  # fmt: skip
    post_bulk([payload("2401.00001", hf_upvotes=7, github_stars=90, relevance=20.0,
                       relevance_components={"topic": 20.0})])  # fmt: skip
    paper = Paper.objects.get()
    assert (paper.hf_upvotes, paper.github_stars, paper.relevance) == (10, 100, 70.0)
    assert paper.relevance_components == {"topic": 40.0, "upvotes": 30.0}
    post_bulk([payload("2401.00001", relevance=80.0, relevance_components={"topic": 80.0})])
    paper.refresh_from_db()
    assert (paper.relevance, paper.relevance_components) == (80.0, {"topic": 80.0})


def test_topics_and_tags_are_merged_in_order(post_bulk) -> None:  # type: ignore[no-untyped-def]
    post_bulk([payload("2401.00001", topics=["llm", "agents"], tags=["a"])])
    post_bulk([payload("2401.00001", topics=["vision", "llm"], tags=[])])
    paper = Paper.objects.get()
    assert (paper.topics, paper.tags) == (["llm", "agents", "vision"], ["a"])


def test_pinned_and_hidden_are_never_touched(post_bulk) -> None:  # type: ignore[no-untyped-def]
    post_bulk([payload("2401.00001"), payload("2401.00002")])
    Paper.objects.filter(arxiv_id="2401.00001").update(pinned=True, hidden=True)
    body = {"papers": [payload("2401.00001", version=2, title="New"), payload("2401.00002", version=2)]}
    body["papers"][0]["pinned"] = False  # an unknown field: refused, the flags stay the owner's
    assert post_bulk(body=json.dumps(body).encode()).status_code == 422
    del body["papers"][0]["pinned"]
    assert post_bulk(body=json.dumps(body).encode()).json()["updated"] == 2
    flags = dict(Paper.objects.values_list("arxiv_id", "pinned"))
    hidden = dict(Paper.objects.values_list("arxiv_id", "hidden"))
    assert flags == {"2401.00001": True, "2401.00002": False}
    assert hidden == {"2401.00001": True, "2401.00002": False}
    assert Paper.objects.get(arxiv_id="2401.00001").title == "New"


def test_the_search_vector_follows_an_update() -> None:
    store(payload("2401.00001", title="Graph networks"))
    store(payload("2401.00001", version=2, title="Diffusion samplers"))
    matches = Paper.objects.filter(search_vector="diffusion")
    assert list(matches.values_list("arxiv_id", flat=True)) == ["2401.00001"]
    assert not Paper.objects.filter(search_vector="graph").exists()


def test_a_full_batch_beyond_djangos_upload_limit_is_accepted(post_bulk) -> None:  # type: ignore[no-untyped-def]
    long_abstract = "Transformers and diffusion models for learning representations. " * 25
    papers = [payload(f"2402.{n:05d}", abstract=long_abstract) for n in range(1, 2001)]
    assert len(json.dumps({"papers": papers})) > 2_621_440  # DATA_UPLOAD_MAX_MEMORY_SIZE
    response = post_bulk(papers)
    assert response.status_code == 200, response.content[:500]
    assert response.json() == {"created": 2000, "updated": 0, "unchanged": 0}
    assert Paper.objects.count() == 2000


def test_more_than_2000_papers_are_refused_with_422(post_bulk) -> None:  # type: ignore[no-untyped-def]
    response = post_bulk([payload(f"2402.{n:05d}") for n in range(1, 2002)])
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "validation_error"
    assert body["error"]["details"]["errors"][0]["type"] == "too_long"
    assert not Paper.objects.exists()


@pytest.mark.parametrize(
    ("body", "error_type"),
    [
        (b"not json", "json_invalid"),
        (b"", "json_invalid"),
        (json.dumps({"papers": [payload("2401.00001"), payload("2401.00001")]}).encode(), "value_error"),
        (json.dumps({"papers": [payload("2401.1")]}).encode(), "value_error"),
        (json.dumps({"papers": [payload(relevance=101)]}).encode(), "less_than_equal"),
    ],
)
def test_a_body_that_does_not_validate_gets_422(post_bulk, body: bytes, error_type: str) -> None:  # type: ignore[no-untyped-def]
    response = post_bulk(body=body)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["errors"][0]["type"] == error_type
    assert not Paper.objects.exists()


def test_without_a_token_the_answer_is_401_with_the_envelope(post_bulk) -> None:  # type: ignore[no-untyped-def]
    response = post_bulk([payload()], caller=None)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_missing"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Paper.objects.exists()


def test_a_token_for_another_audience_is_401(api, post_bulk) -> None:  # type: ignore[no-untyped-def]
    from papers.tests.conftest import BULK_URL, service_headers

    headers = service_headers("scraper", audience="documents")
    body = json.dumps({"papers": [payload()]})
    response = api.generic("POST", BULK_URL, body, content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_wrong_audience"


def test_a_caller_other_than_the_scraper_is_403(post_bulk) -> None:  # type: ignore[no-untyped-def]
    response = post_bulk([payload()], caller="analytics")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "caller_not_allowed"
    assert not Paper.objects.exists()
