"""A search ranks a bounded candidate set, and ``count`` stops at the cap and says so.

The bounds are lowered here (monkeypatched) so that "many more matches than are ranked" takes a few
dozen papers instead of thousands.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from papers import selectors
from papers.api import pagination
from papers.tests.conftest import payload, store

pytestmark = pytest.mark.django_db
URL = "/api/papers/"
BOUND = 5


@pytest.fixture(autouse=True)
def small_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "RANK_CANDIDATES", BOUND)
    monkeypatch.setattr(pagination, "SEARCH_COUNT_CAP", BOUND)
    monkeypatch.setattr(pagination, "COUNT_CAP", 4 * BOUND)


@pytest.fixture
def crowd() -> None:
    """Six times the bound of papers that mention "retrieval" in the abstract, all more relevant
    than the one paper about it (title match, lowest relevance, oldest id)."""
    store(payload("2401.00001", title="Dense retrieval at scale", relevance=1, abstract="We index."))
    store(
        *[
            payload(f"2402.{n:05d}", title=f"Paper {n}", relevance=50 + n, abstract="Retrieval is mentioned.")
            for n in range(1, 6 * BOUND + 1)
        ]
    )


def test_the_best_match_is_found_among_many_common_term_matches(api: APIClient, crowd: None) -> None:
    body = api.get(URL, {"search": "retrieval"}).json()
    assert body["results"][0]["arxiv_id"] == "2401.00001"


def test_the_count_stops_at_the_cap_and_says_so(api: APIClient, crowd: None) -> None:
    body = api.get(URL, {"search": "retrieval", "page_size": 2}).json()
    assert (body["count"], body["count_capped"]) == (BOUND, True)
    last = api.get(URL, {"search": "retrieval", "page_size": 2, "page": 3}).json()
    assert len(last["results"]) == 1 and last["next"] is None  # the pages end at the cap
    assert api.get(URL, {"search": "retrieval", "page_size": 2, "page": 4}).status_code == 404
    # Without a search the list pages on in its index order, up to its own, larger cap.
    listed = api.get(URL, {"page_size": 50}).json()
    assert (listed["count"], listed["count_capped"]) == (4 * BOUND, True)
    assert len(listed["results"]) == 4 * BOUND


def test_under_the_cap_the_count_is_exact(api: APIClient, crowd: None) -> None:
    body = api.get(URL, {"search": "dense"}).json()
    assert (body["count"], body["count_capped"]) == (1, False)
    store(*[payload(f"2403.{n:05d}", title="Dense things", relevance=n) for n in range(1, BOUND)])
    body = api.get(URL, {"search": "dense"}).json()
    assert (body["count"], body["count_capped"]) == (BOUND, False)


def test_an_explicit_ordering_takes_its_candidates_in_that_order(api: APIClient, crowd: None) -> None:
    body = api.get(URL, {"search": "retrieval", "ordering": "-relevance"}).json()
    ids = [p["arxiv_id"] for p in body["results"]]
    assert ids == [f"2402.{n:05d}" for n in range(6 * BOUND, 5 * BOUND, -1)]  # the most relevant five


def test_a_one_typo_search_is_bounded_too(api: APIClient, crowd: None) -> None:
    store(*[payload(f"2404.{n:05d}", title=f"Retrieval trick {n}") for n in range(1, 3 * BOUND)])
    body = api.get(URL, {"search": "retreival"}).json()
    assert (body["count"], body["count_capped"]) == (BOUND, True)
    assert all("etrieval" in p["title"] for p in body["results"])


def test_a_typo_is_corrected_to_the_nearest_title_word_only_when_needed(crowd: None) -> None:
    from papers.models import TitleTerm

    store(payload("2405.00001", title="Transformers and diffusion"))
    assert {"dense", "retrieval", "scale", "paper", "transformers", "diffusion"} <= set(
        TitleTerm.objects.values_list("term", flat=True)
    )  # the trigger keeps the dictionary, words of 4+ characters
    assert selectors.corrected_query("transfromers for difusion") == "transformers for diffusion"
    assert selectors.corrected_query('"dense retreival" -difusion') == '"dense retrieval" -diffusion'
    assert selectors.corrected_query("zebrafish") == "zebrafish"  # nothing near enough


def test_of_equally_near_words_the_correction_takes_the_one_of_the_typed_length(crowd: None) -> None:
    store(payload("2405.00002", title="Transfer learning"), payload("2405.00003", title="A transformer"))
    # "transfromer" (a transposition) is 0.5 from both by trigrams.
    assert selectors.corrected_query("transfromer") == "transformer"


def test_a_search_counts_its_candidates_without_a_count_query(api: APIClient, crowd: None) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        body = api.get(URL, {"search": "retrieval"}).json()
    assert (body["count"], body["count_capped"]) == (BOUND, True)
    assert len(queries) == 2  # the candidates (both sources at once), then the ranked page
    assert not any("COUNT(" in q["sql"].upper() for q in queries)


def test_a_retitled_paper_adds_its_words(api: APIClient) -> None:
    store(payload("2406.00001", title="Old words"))
    store(payload("2406.00001", version=2, title="Hyperbolic embeddings"))
    assert api.get(URL, {"search": "hyperbolik"}).json()["results"][0]["arxiv_id"] == "2406.00001"


def test_a_long_query_of_misspellings_is_looked_up_a_bounded_number_of_times(crowd: None) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    words = " ".join(["retreival"] * (3 * selectors.MAX_CORRECTED_WORDS))
    with CaptureQueriesContext(connection) as queries:
        corrected = selectors.corrected_query(words)
    assert len(queries) == selectors.MAX_CORRECTED_WORDS
    assert corrected.split().count("retrieval") == selectors.MAX_CORRECTED_WORDS


def test_the_facets_of_a_search_say_when_they_count_only_its_ranked_candidates(
    api: APIClient, crowd: None
) -> None:
    many = api.get("/api/papers/facets/", {"search": "retrieval"}).json()
    assert many["exact"] is False  # 31 matches, only the bounded candidates counted
    few = api.get("/api/papers/facets/", {"search": "dense"}).json()
    assert few["exact"] is True and few["total"] == 1


def test_the_facets_of_a_search_that_matches_nothing_are_empty(api: APIClient, crowd: None) -> None:
    body = api.get("/api/papers/facets/", {"search": "0" * 200}).json()
    assert body["total"] == 0 and body["exact"] is True


def test_the_last_page_within_the_list_cap_stops_at_the_cap(api: APIClient, crowd: None) -> None:
    # 31 papers, a cap of 20 and pages of 3: page 7 is rows 19-20 (the total and a page of three are
    # read ahead in one statement; the paginator's shorter last page is read again, not cut short).
    body = api.get(URL, {"page_size": 3, "page": 7}).json()
    assert (body["count"], body["count_capped"], body["next"]) == (4 * BOUND, True, None)
    assert len(body["results"]) == 2
    everything = api.get(URL, {"page_size": 4 * BOUND}).json()["results"]
    assert [p["arxiv_id"] for p in body["results"]] == [p["arxiv_id"] for p in everything[18:20]]
    short = api.get(URL, {"page_size": 3, "page": 2, "source": "arxiv"}).json()  # a stored view's 2nd page
    assert [p["arxiv_id"] for p in short["results"]] == [p["arxiv_id"] for p in everything[3:6]]
