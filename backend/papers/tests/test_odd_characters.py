"""Odd characters from upstream: control characters (NUL included) and lone surrogates neither fail
a bulk upsert (one paper cannot hold back the batch it travels in) nor make the Atom feed answer 500."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from rest_framework.test import APIClient

from papers.models import Paper
from papers.tests.conftest import payload, store

pytestmark = pytest.mark.django_db
FEED_URL = "/api/papers/feed.xml"
A = "{http://www.w3.org/2005/Atom}"


def test_a_paper_with_control_characters_is_stored_clean_with_its_batch(post_bulk) -> None:  # type: ignore[no-untyped-def]
    odd = payload(
        "2401.00002",
        title="Nul\x00 and bell\x07 in\x0bthe title",
        abstract="Escape\x1b[0m sequences\x00.",
        authors=["Ada\x00 Lovelace"],
        comment="12 pages\x00",
        topics=["llm\x00"],
    )
    papers = [payload("2401.00001"), odd, payload("2401.00003")]
    response = post_bulk(papers)
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 3, "updated": 0, "unchanged": 0}
    stored = Paper.objects.get(arxiv_id="2401.00002")
    assert (stored.title, stored.abstract) == ("Nul and bell in the title", "Escape[0m sequences.")
    assert (stored.authors, stored.comment, stored.topics) == (["Ada Lovelace"], "12 pages", ["llm"])


def test_a_lone_surrogate_in_a_body_is_refused_with_422_not_500(post_bulk) -> None:  # type: ignore[no-untyped-def]
    # The scraper never sends one (its papers drop them); a body that holds one is not JSON core reads.
    body = b'{"papers": [{"arxiv_id": "2401.00001", "title": "half \\ud800 a pair"}]}'
    assert post_bulk(body=body).status_code == 422


@pytest.fixture
def odd_rows() -> None:
    store(
        payload("2401.00001", title="Plain", topics=["llm"]),
        payload("2401.00002", title="Odd", topics=["llm"]),
    )
    # Written before the scraper stripped them (Postgres takes every control character but NUL).
    Paper.objects.filter(arxiv_id="2401.00002").update(
        title="Odd\x01 title\x1f",
        abstract="Bell\x07 and escape\x1b in the abstract",
        authors=["Grace\x08 Hopper"],
        categories=["cs.LG\x0c"],
        topics=["llm", "vision\x02"],
    )


@pytest.mark.parametrize("query", ["?topic=%00", "?topic=llm%01"])
def test_a_topic_with_a_control_character_is_a_422_not_a_500(api: APIClient, query: str) -> None:
    # The schema's topic is printable text: refused with the envelope, like any invalid filter.
    response = api.get(FEED_URL + query)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("query", ["", "?topic=llm", "?topic=%ED%A0%80"])
def test_the_feed_answers_valid_atom_whatever_the_characters(
    api: APIClient, odd_rows: None, query: str
) -> None:
    response = api.get(FEED_URL + query)
    assert response.status_code == 200
    feed = ET.fromstring(response.content)  # noqa: S314 - our own output
    titles = [entry.findtext(A + "title") for entry in feed.findall(A + "entry")]
    if query in ("", "?topic=llm"):
        assert sorted(titles) == ["Odd title ", "Plain"]  # the unit separator \x1f separated words
    summaries = [entry.findtext(A + "summary") or "" for entry in feed.findall(A + "entry")]
    assert not any(ch < " " and ch not in "\t\n\r" for text in titles + summaries for ch in text or "")
