"""Full-text search (weighted, ranked) and the correction of one-typo queries against title words."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from papers.models import Paper
from papers.tests.conftest import payload, store

pytestmark = pytest.mark.django_db
URL = "/api/papers/"


def search(api: APIClient, query: str, **params: str) -> list[str]:
    response = api.get(URL, {"search": query, **params})
    assert response.status_code == 200, response.content
    return [paper["arxiv_id"] for paper in response.json()["results"]]


@pytest.fixture
def corpus() -> None:
    store(
        payload("2401.00001", title="Scaling laws for sparse retrieval", relevance=95,
                abstract="We revisit the transformer architecture for dense and sparse retrieval.",
                authors=["Grace Hopper"]),
        payload("2401.00002", title="Transformer models for protein folding", relevance=5,
                abstract="Proteins fold; we predict how.", authors=["Rosalind Franklin"]),
        payload("2401.00003", title="Diffusion policies for robots", relevance=50,
                abstract="Robots learn manipulation from demonstrations.", authors=["Grace Murray"]),
        payload("2401.00004", title="Vision Transformers at scale", relevance=60,
                abstract="Images are worth many words.", authors=["Alan Turing"]),
    )  # fmt: skip


def test_a_title_match_ranks_above_an_abstract_match(api: APIClient, corpus: None) -> None:
    result = search(api, "transformer")
    # Both title matches before the abstract match, though the abstract match has the top relevance.
    assert set(result[:2]) == {"2401.00002", "2401.00004"}
    assert result[2] == "2401.00001"
    assert "2401.00003" not in result


def test_stemming_and_authors_are_searched(api: APIClient, corpus: None) -> None:
    assert search(api, "folded proteins") == ["2401.00002"]
    assert search(api, "hopper") == ["2401.00001"]


def test_websearch_syntax(api: APIClient, corpus: None) -> None:
    assert set(search(api, "transformer -protein")) == {"2401.00001", "2401.00004"}
    assert set(search(api, "robots or proteins")) == {"2401.00002", "2401.00003"}
    assert search(api, '"vision transformers"') == ["2401.00004"]


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        # Corrected to "transformer" (a title word), then searched as such: the abstract match too.
        ("transfromer", {"2401.00001", "2401.00002", "2401.00004"}),
        ("difusion", {"2401.00003"}),
        ("retreival", {"2401.00001"}),
    ],
)
def test_a_one_typo_query_finds_the_paper(
    api: APIClient, corpus: None, typo: str, expected: set[str]
) -> None:
    assert set(search(api, typo)) == expected


def test_the_fallback_only_runs_when_full_text_finds_nothing(api: APIClient, corpus: None) -> None:
    # "robots" matches by full text; the fallback would also have offered titles like "Diffusion policies".
    assert search(api, "robots") == ["2401.00003"]
    assert search(api, "zebrafish") == []


def test_an_explicit_ordering_replaces_the_rank(api: APIClient, corpus: None) -> None:
    assert search(api, "transformer", ordering="-relevance") == ["2401.00001", "2401.00004", "2401.00002"]


def test_search_keeps_filters_pinned_first_and_hidden_out(api: APIClient, corpus: None) -> None:
    Paper.objects.filter(arxiv_id="2401.00001").update(pinned=True)
    Paper.objects.filter(arxiv_id="2401.00004").update(hidden=True)
    assert search(api, "transformer") == ["2401.00001", "2401.00002"]
    assert search(api, "transfromer") == ["2401.00001", "2401.00002"]
    store(payload("2401.00005", title="Transformer tricks", topics=["tricks"]))
    assert search(api, "transformer", topic="tricks") == ["2401.00005"]
    assert search(api, "transfromer", topic="tricks") == ["2401.00005"]


def test_the_count_matches_the_search(api: APIClient, corpus: None) -> None:
    assert api.get(URL, {"search": "transformer"}).json()["count"] == 3
    assert api.get(URL, {"search": "transfromer"}).json()["count"] == 3


def test_search_pages_carry_the_total(api: APIClient, corpus: None) -> None:
    first = api.get(URL, {"search": "transformer", "page_size": 2}).json()
    second = api.get(URL, {"search": "transformer", "page_size": 2, "page": 2}).json()
    assert (first["count"], second["count"]) == (3, 3)
    assert first["next"] is not None and second["next"] is None
    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert api.get(URL, {"search": "transformer", "page": 3, "page_size": 2}).status_code == 404
    assert api.get(URL, {"search": "transformer", "page": "x"}).status_code == 404
    assert api.get(URL, {"search": "zebrafish"}).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
        "count_capped": False,
    }
