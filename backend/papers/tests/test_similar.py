"""``GET /api/papers/{arxiv_id}/similar/``: the processor's neighbours as visible papers, in its
order; an unindexed paper has none yet; a processor that is down or slow degrades to an empty list
with ``degraded: true``, briefly cached. The processor is a stand-in at the HTTP boundary here; the
system test (tests/system/test_paper_text.py) runs the real one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from core_lib.testing import Received, Reply, StandIn, closed_port_url
from papers import cache as papers_cache
from papers.models import Paper
from papers.similar import cache_key
from papers.tests.conftest import payload, store

pytestmark = pytest.mark.django_db


def url(arxiv_id: str) -> str:
    return f"/api/papers/{arxiv_id}/similar/"


def neighbour(key: str, score: float) -> dict[str, Any]:
    return {
        "document_key": key,
        "title": key,
        "source_url": None,
        "score": score,
        "metadata": {"kind": "paper"},
    }


@pytest.fixture
def papers() -> None:
    store(*(payload(f"2401.0000{n}", title=f"Paper {n}") for n in range(1, 6)), payload("hep-th/9901001"))
    Paper.objects.filter(arxiv_id="2401.00004").update(hidden=True)


@pytest.fixture
def processor(settings: Any) -> Iterator[StandIn]:
    def route(request: Received) -> Reply:
        if request.method == "POST" and request.path == "/similar":
            if request.json()["document_key"] == "paper-text:2401.00005":
                return Reply(404, {"error": {"code": "document_not_found", "message": "no", "details": {}}})
            return Reply(
                200,
                {
                    "document_key": request.json()["document_key"],
                    "results": [
                        neighbour("paper-text:2401.00003", 0.91),
                        neighbour("paper-text:2401.00004", 0.9),  # hidden: never shown
                        neighbour("project:evalkit", 0.85),  # not a paper's text: ignored
                        neighbour("paper-text:hep-th/9901001", 0.8),
                        neighbour("paper-text:2409.99999", 0.7),  # not stored in core: ignored
                    ],
                },
            )
        return Reply(404, {"error": {"code": "not_found", "message": "?", "details": {}}})

    with StandIn(route) as server:
        settings.DOCUMENTS_URL = server.url
        # The stand-in answers at once; the production deadline (0.5 s) is for a slow processor and
        # would turn a busy test machine's scheduling delay into a degraded answer.
        settings.PAPERS_SIMILAR_DEADLINE_SECONDS = 10
        yield server


def test_neighbours_come_back_as_visible_papers_in_the_processors_order(
    api: APIClient, papers: None, processor: StandIn
) -> None:
    response = api.get(url("2401.00001v2"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["degraded"] is False
    assert [p["arxiv_id"] for p in body["results"]] == ["2401.00003", "hep-th/9901001"]
    assert body["results"][0]["title"] == "Paper 3" and body["results"][0]["similarity"] == 0.91
    [asked] = processor.requests
    assert asked.json() == {"document_key": "paper-text:2401.00001", "k": 8, "filters": {"kind": "paper"}}


def test_a_paper_not_indexed_yet_has_no_similar_papers(
    api: APIClient, papers: None, processor: StandIn
) -> None:
    body = api.get(url("2401.00005")).json()
    assert body == {"results": [], "degraded": False}


def test_a_processor_that_is_down_degrades_to_an_empty_flagged_list(
    api: APIClient, papers: None, settings: Any
) -> None:
    settings.DOCUMENTS_URL = closed_port_url()
    response = api.get(url("2401.00001"))
    assert response.status_code == 200
    assert response.json() == {"results": [], "degraded": True}


def test_unknown_and_hidden_papers_are_404_in_the_envelope(
    api: APIClient, papers: None, processor: StandIn
) -> None:
    for arxiv_id in ("2409.99999", "2401.00004"):
        response = api.get(url(arxiv_id))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "paper_not_found"
    assert processor.requests == []


def test_answers_are_cached_and_failures_only_briefly(
    api: APIClient, papers: None, processor: StandIn, settings: Any
) -> None:
    from django.core.cache import cache

    settings.PAPERS_CACHE_SECONDS = 60
    keys = [cache_key(i, papers_cache.generation()) for i in ("2401.00001", "2401.00002")]
    cache.delete_many(keys)
    first = api.get(url("2401.00001")).json()
    assert api.get(url("2401.00001")).json() == first
    assert len(processor.requests) == 1
    settings.DOCUMENTS_URL = closed_port_url()
    assert api.get(url("2401.00002")).json()["degraded"] is True
    assert cache.get(keys[1]) == {"results": [], "degraded": True}  # kept 5 s at most
    cache.delete_many(keys)


def test_a_paper_hidden_leaves_the_cached_similar_lists_at_once(
    api: APIClient, papers: None, processor: StandIn, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.PAPERS_CACHE_SECONDS = 60
    assert "2401.00003" in [p["arxiv_id"] for p in api.get(url("2401.00001")).json()["results"]]
    paper = Paper.objects.get(arxiv_id="2401.00003")
    paper.hidden = True
    with django_capture_on_commit_callbacks(execute=True):  # the cache is invalidated on commit
        paper.save()

    assert [p["arxiv_id"] for p in api.get(url("2401.00001")).json()["results"]] == ["hep-th/9901001"]
