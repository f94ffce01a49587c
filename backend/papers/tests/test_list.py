"""GET /api/papers/: pagination, filters, orderings, pinned first, hidden never."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from papers.models import Paper
from papers.tests.conftest import NOW, payload, store

pytestmark = pytest.mark.django_db
URL = "/api/papers/"


def ids(api: APIClient, **params: str) -> list[str]:
    response = api.get(URL, params)
    assert response.status_code == 200, response.content
    return [paper["arxiv_id"] for paper in response.json()["results"]]


@pytest.fixture
def papers() -> None:
    day = timedelta(days=1)
    store(
        payload("2401.00001", relevance=90, hf_upvotes=1, published=(NOW - 5 * day).isoformat(),
                updated=None, topics=["llm"], categories=["cs.CL"], tags=["survey"]),
        payload("2401.00002", relevance=10, hf_upvotes=50, published=(NOW - 1 * day).isoformat(),
                updated=None, topics=["vision"], categories=["cs.CV", "cs.LG"], github_repo="org/code",
                sources=["arxiv", "huggingface"]),
        payload("2401.00003", relevance=50, hf_upvotes=None, published=(NOW - 3 * day).isoformat(),
                updated=None, topics=["llm", "agents"], categories=["cs.AI"], sources=["pwc"]),
        payload("2401.00004", relevance=99, hf_upvotes=99, published=(NOW - 2 * day).isoformat(),
                updated=None, topics=["llm"]),
    )  # fmt: skip
    Paper.objects.filter(arxiv_id="2401.00004").update(hidden=True)


def test_the_list_is_paginated_and_ordered_by_relevance(api: APIClient, papers: None) -> None:
    body = api.get(URL, {"page_size": 2}).json()
    assert set(body) == {"count", "count_capped", "next", "previous", "results"}
    assert body["count_capped"] is False
    assert body["count"] == 3
    assert [p["arxiv_id"] for p in body["results"]] == ["2401.00001", "2401.00003"]
    assert body["next"] is not None and body["previous"] is None
    first = body["results"][0]
    assert "hidden" not in first and "search_vector" not in first
    assert first["authors"] == ["Ada Lovelace", "Alan Turing"] and first["pinned"] is False


def test_page_size_is_capped_at_200(api: APIClient, papers: None) -> None:
    store(*[payload(f"2403.{n:05d}") for n in range(1, 206)])
    assert len(ids(api, page_size="500")) == 200


def test_hidden_papers_never_appear(api: APIClient, papers: None) -> None:
    assert "2401.00004" not in ids(api)
    assert "2401.00004" not in ids(api, ordering="-upvotes")
    assert "2401.00004" not in ids(api, topic="llm")


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-relevance", ["2401.00001", "2401.00003", "2401.00002"]),
        ("-published", ["2401.00002", "2401.00003", "2401.00001"]),
        ("-upvotes", ["2401.00002", "2401.00001", "2401.00003"]),  # unknown upvotes last
    ],
)
def test_orderings(api: APIClient, papers: None, ordering: str, expected: list[str]) -> None:
    assert ids(api, ordering=ordering) == expected


@pytest.mark.parametrize("ordering", ["-relevance", "-published", "-upvotes"])
def test_pinned_papers_come_first_whatever_the_ordering(api: APIClient, papers: None, ordering: str) -> None:
    Paper.objects.filter(arxiv_id="2401.00003").update(pinned=True)
    result = ids(api, ordering=ordering)
    assert result[0] == "2401.00003"
    assert len(result) == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"topic": "llm"}, {"2401.00001", "2401.00003"}),
        ({"topic": "agents"}, {"2401.00003"}),
        ({"category": "cs.LG"}, {"2401.00002"}),
        ({"tag": "survey"}, {"2401.00001"}),
        ({"source": "huggingface"}, {"2401.00002"}),
        ({"source": "pwc"}, {"2401.00003"}),
        ({"has_code": "true"}, {"2401.00002"}),
        ({"has_code": "false"}, {"2401.00001", "2401.00003"}),
        ({"published_after": (NOW - timedelta(days=3)).date().isoformat()}, {"2401.00002", "2401.00003"}),
        ({"topic": "llm", "published_after": (NOW - timedelta(days=3)).date().isoformat()}, {"2401.00003"}),
        ({"topic": "nothing"}, set()),
    ],
)
def test_filters(api: APIClient, papers: None, params: dict[str, str], expected: set[str]) -> None:
    assert set(ids(api, **params)) == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"published_after": "yesterday"}, "published_after"),
        ({"ordering": "title"}, "ordering"),
        ({"ordering": "relevance"}, "ordering"),
        ({"source": "twitter"}, "source"),
        ({"has_code": "maybe"}, "has_code"),
        ({"search": "x" * 201}, "search"),
    ],
)
def test_bad_filter_values_get_422_with_the_envelope(
    api: APIClient, params: dict[str, str], field: str
) -> None:
    response = api.get(URL, params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"]["fields"]


def test_a_page_past_the_end_is_404_with_the_envelope(api: APIClient, papers: None) -> None:
    response = api.get(URL, {"page": 9})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def count_queries(api: APIClient, **params: str) -> tuple[int, bool, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        body = api.get(URL, params).json()
    return body["count"], body["count_capped"], [q["sql"] for q in queries]


def test_the_count_of_a_stored_view_is_read_from_the_facet_totals_not_counted(
    api: APIClient, papers: None
) -> None:
    # The unfiltered list and one topic, tag or source alone: the stored totals (papers.facets),
    # which leave the hidden paper out as the list does.
    for params, expected in [({}, 3), ({"topic": "llm"}, 2), ({"tag": "survey"}, 1), ({"source": "pwc"}, 1)]:
        count, capped, sql = count_queries(api, **params)
        assert (count, capped) == (expected, False), params
        assert not any("COUNT(" in statement.upper() for statement in sql), params
        assert len(sql) == 1, params  # the total and the page in one statement
    # Any other filter is counted (up to the cap).
    count, _capped, sql = count_queries(api, category="cs.LG")
    assert count == 1 and any("COUNT(" in statement.upper() for statement in sql)
    Paper.objects.filter(arxiv_id="2401.00001").update(hidden=True)
    assert count_queries(api, topic="llm")[:2] == (1, False)  # the triggers keep the totals current


def test_a_listed_paper_reads_as_its_detail_does(api: APIClient) -> None:
    store(
        payload(
            "2401.00009",
            published="2024-01-02T03:04:05.678901+00:00",
            updated="2024-02-03T04:05:06+01:00",
            relevance_components={"interest": 0.5, "recency": 1},
            thumbnail="https://hf.example/thumb.png",
            topics=["llm"],
            doi=None,
        )
    )
    listed = api.get(URL).json()["results"][0]
    assert listed == api.get("/api/papers/2401.00009/").json()
    assert (listed["published"], listed["updated"]) == ("2024-01-02T03:04:05.678901Z", "2024-02-03T03:05:06Z")
    assert listed["relevance_components"] == {"interest": 0.5, "recency": 1}


ODD_PAPERS = [
    # Postgres writes a list's page (papers.selectors.PublicRows); each value must read as the detail's
    # serializer writes it: quotes, backslashes, control characters, U+2028, astral characters,
    # whole and fractional relevance, nulls, empty and present thumbnails, both id styles.
    payload(
        "hep-th/9901001",
        title='Quotes " and \\ backslash, tab\tand newline\n in a title',
        abstract=(
            "Line\u2028separator, paragraph\u2029separator, \u201cdashes\u201d \u2013 and \u2014 "
            "\u2019quotes\u2019, NUL-free control \x01 and \U0001d53cmojis \U0001f680 und \u00dcmlaut"
        ),
        authors=["Zoë O'Brien", "李雷"],
        published="1999-01-01T00:00:00+00:00",
        updated=None,
        relevance=100.0,
        relevance_components={"interest": 0.1 + 0.2, "recency": 1e-07, "a": 3},
        thumbnail="https://hf.example/t.png",
        topics=["llm"],
        tags=["a,b", 'q"uote'],
        doi='10.1000/x"y',
        comment="",
    ),
    payload(
        "2401.00011",
        published="2024-03-04T05:06:07.000001+00:00",
        updated="2024-03-04T05:06:07.5-03:00",
        relevance=0.1234567890123,
        relevance_components={},
        thumbnail=None,
        topics=["llm"],
        hf_upvotes=0,
        github_stars=None,
    ),
]


@pytest.mark.parametrize("search", ["", "separator"])
def test_every_listed_value_reads_as_the_detail_writes_it(api: APIClient, search: str) -> None:
    store(*ODD_PAPERS)
    Paper.objects.filter(arxiv_id="2401.00011").update(thumbnail="")  # blank, as the admin saves it
    response = api.get(URL, {"search": search} if search else {})
    assert response.status_code == 200, response.content
    listed = response.json()["results"]
    assert len(listed) == (2 if not search else 1)
    for paper in listed:
        assert paper == api.get(f"/api/papers/{paper['arxiv_id']}/").json()
        assert list(paper) == list(api.get(f"/api/papers/{paper['arxiv_id']}/").json())  # same key order
    # JSON's own escapes, and U+2028/U+2029 escaped as DRF's renderer does (they end a JavaScript line).
    assert "\u2028".encode() not in response.content and b"\\u2028" in response.content
    if not search:
        assert listed[0]["thumbnail"] == "/api/papers/hep-th/9901001/thumbnail/"
        assert listed[1]["thumbnail"] is None
        assert listed[1]["published"] == "2024-03-04T05:06:07.000001Z"
        assert listed[1]["updated"] == "2024-03-04T08:06:07.500000Z"


def test_a_page_query_compiled_once_still_lists_the_current_papers(api: APIClient, papers: None) -> None:
    # The SQL of a list's page is compiled once per filters (papers.selectors.PublicRows), never its rows.
    first = ids(api, topic="llm")
    assert first == ["2401.00001", "2401.00003"]
    store(payload("2401.00010", relevance=95, topics=["llm"]))
    assert ids(api, topic="llm") == ["2401.00010", *first]
    assert ids(api, topic="vision") == ["2401.00002"]  # other filters, another query
    assert ids(api, topic="llm", ordering="-published") != ids(api, topic="llm")
