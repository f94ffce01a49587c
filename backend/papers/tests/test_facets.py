"""Facets (counts per topic, tag and source) and the trigger-kept counts table behind them."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from papers import facets
from papers.models import FacetCount, Paper
from papers.tests.conftest import payload, store

pytestmark = pytest.mark.django_db

URL = "/api/papers/facets/"


def stored_counts() -> dict[tuple[str, str, str, str], int]:
    rows = FacetCount.objects.filter(count__gt=0).values_list(
        "filter_kind", "filter_value", "facet_kind", "facet_value", "count"
    )
    return {tuple(row[:4]): row[4] for row in rows}  # type: ignore[misc]


def recounted() -> dict[tuple[str, str, str, str], int]:
    with connection.cursor() as cursor:
        cursor.execute(facets.RECOUNT)
        return {tuple(row[:4]): row[4] for row in cursor.fetchall()}  # type: ignore[misc]


def expected(papers: list[Paper], kind: str) -> list[dict[str, Any]]:
    """What the endpoint should say for ``kind``, counted here in Python from the visible rows."""
    counts = Counter(
        value for paper in papers if not paper.hidden for value in set(getattr(paper, f"{kind}s"))
    )
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: facets.LIMITS[kind]]
    return [{"value": value, "count": count} for value, count in ranked]


@pytest.fixture
def papers() -> list[Paper]:
    return store(
        payload("2401.00001", topics=["LLM", "RAG"], tags=["retrieval"], sources=["arxiv", "huggingface"],
                published="2026-11-16T09:00:00Z"),
        payload("2401.00002", topics=["LLM"], tags=["retrieval", "agents"], sources=["arxiv"],
                published="2026-11-16T23:59:59Z", title="Retrieval agents"),
        payload("2401.00003", topics=["Computer Vision"], tags=["depth"], sources=["pwc"],
                published="2026-11-17T00:00:00Z"),
        payload("2401.00004", topics=["LLM", "Agents"], tags=["agents"], sources=["arxiv", "pwc"],
                published="2026-11-18T12:00:00Z"),
    )  # fmt: skip


def test_the_counts_table_follows_every_kind_of_write(papers: list[Paper]) -> None:
    assert stored_counts() == recounted()
    # The bulk upsert merging new topics and tags into known papers (its UPDATE branches) ...
    store(payload("2401.00001", topics=["Safety & Alignment"], tags=["retrieval", "red teaming"]))
    # ... a curation write, a bulk update, a delete and a new paper.
    Paper.objects.filter(arxiv_id="2401.00002").update(hidden=True)
    Paper.objects.filter(topics__contains=["LLM"]).update(tags=["rewritten"])
    Paper.objects.filter(arxiv_id="2401.00003").delete()
    store(payload("2401.00005", topics=["LLM"], sources=["huggingface"]))
    assert stored_counts() == recounted()
    assert stored_counts()[("", "", "topic", "LLM")] == 3  # 0001, 0004 and 0005; 0002 is hidden
    Paper.objects.filter(arxiv_id="2401.00002").update(hidden=False)
    assert stored_counts() == recounted()


def test_unfiltered_facets_count_visible_papers(api: APIClient, papers: list[Paper]) -> None:
    Paper.objects.filter(arxiv_id="2401.00003").update(hidden=True)
    body = api.get(URL).json()
    rows = list(Paper.objects.all())
    assert body["total"] == 3 and body["exact"] is True
    assert body["topics"] == expected(rows, "topic")
    assert body["tags"] == expected(rows, "tag")
    assert body["sources"] == expected(rows, "source")
    assert {"value": "Computer Vision", "count": 1} not in body["topics"]


@pytest.mark.parametrize(
    "query",
    [
        {"topic": "LLM"},
        {"tag": "agents"},
        {"source": "pwc"},
        {"topic": "LLM", "source": "arxiv"},  # two filters: counted live
        {"published_after": "2026-11-16", "published_before": "2026-11-17"},  # a day: live
        {"search": "retrieval agents"},  # a search: live
        {"category": "cs.LG", "has_code": "false"},
        {"topic": "No such topic"},
    ],
)
def test_filtered_facets_agree_with_the_list(
    api: APIClient, papers: list[Paper], query: dict[str, str]
) -> None:
    listed = api.get("/api/papers/", {**query, "page_size": 200}).json()
    ids = {paper["arxiv_id"] for paper in listed["results"]}
    rows = [paper for paper in Paper.objects.all() if paper.arxiv_id in ids]
    body = api.get(URL, query).json()
    assert body["total"] == listed["count"] == len(rows)
    for kind in facets.KINDS:
        assert body[f"{kind}s"] == expected(rows, kind), kind


def test_a_live_count_past_the_cap_says_it_is_not_exact(
    api: APIClient, papers: list[Paper], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(facets, "LIVE_CAP", 2)
    capped = api.get(URL, {"published_after": "2026-11-01"}).json()
    assert capped["exact"] is False and capped["total"] == 3  # the cap and the one past it
    assert sum(source["count"] for source in capped["sources"]) >= 3
    exact = api.get(URL, {"published_after": "2026-11-17"}).json()  # two papers: exactly the cap
    assert exact["exact"] is True and exact["total"] == 2
    assert api.get(URL).json()["exact"] is True  # the stored view is never capped


def test_only_the_most_frequent_tags_are_listed(
    api: APIClient, papers: list[Paper], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(facets.LIMITS, "tag", 1)
    assert api.get(URL).json()["tags"] == [{"value": "agents", "count": 2}]  # ties: by value
    assert api.get(URL, {"topic": "LLM", "source": "arxiv"}).json()["tags"] == [
        {"value": "agents", "count": 2}
    ]


@pytest.mark.parametrize(
    "query",
    [
        {"topic": ""},
        {"source": "elsewhere"},
        {"published_before": "2026-13-01"},
        {"published_after": "2026-11-17", "published_before": "2026-11-17"},
        {"tag": "a\x00b"},
    ],
)
def test_bad_filters_are_422_with_the_envelope(api: APIClient, query: dict[str, str]) -> None:
    for url in (URL, "/api/papers/"):
        response = api.get(url, query)
        assert response.status_code == 422, (url, query)
        assert response.json()["error"]["code"]


def test_published_before_excludes_its_day(api: APIClient, papers: list[Paper]) -> None:
    def listed(**query: str) -> list[str]:
        body = api.get("/api/papers/", {**query, "ordering": "-published"}).json()
        return [paper["arxiv_id"] for paper in body["results"]]

    # A day is the UTC date of published: 23:59:59 is still the 16th, 00:00:00 the 17th.
    assert listed(published_after="2026-11-16", published_before="2026-11-17") == ["2401.00002", "2401.00001"]
    assert listed(published_before="2026-11-17") == ["2401.00002", "2401.00001"]
    assert listed(published_after="2026-11-17", published_before="2026-11-18") == ["2401.00003"]
    assert listed(published_after="2026-11-19") == []
