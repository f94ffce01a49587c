"""GET /api/papers/feed.xml: a valid Atom 1.0 feed of the best visible papers of the last 7 days."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from papers.models import Paper
from papers.tests.conftest import NOW, payload, store

pytestmark = pytest.mark.django_db
URL = "/api/papers/feed.xml"
A = "{http://www.w3.org/2005/Atom}"


def rfc3339(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None, f"{value} has no offset"
    return parsed


def one(parent: ET.Element, tag: str) -> ET.Element:
    found = parent.findall(A + tag)
    assert len(found) == 1, f"{parent.tag} needs exactly one {tag}, has {len(found)}"
    return found[0]


def check_atom(xml: bytes) -> ET.Element:
    """RFC 4287's structural rules for what we emit: fails on a broken feed."""
    feed = ET.fromstring(xml)  # noqa: S314 - our own output
    assert feed.tag == A + "feed"
    assert urlsplit(one(feed, "id").text or "").scheme in {"http", "https"}
    assert (one(feed, "title").text or "").strip()
    rfc3339(one(feed, "updated").text or "")
    self_links = [link for link in feed.findall(A + "link") if link.get("rel") == "self"]
    assert len(self_links) == 1 and urlsplit(self_links[0].get("href", "")).scheme
    feed_has_author = feed.find(A + "author") is not None
    entry_ids = []
    for entry in feed.findall(A + "entry"):
        entry_ids.append(one(entry, "id").text)
        assert (one(entry, "title").text or "").strip()
        rfc3339(one(entry, "updated").text or "")
        rfc3339(one(entry, "published").text or "")
        links = [link for link in entry.findall(A + "link") if link.get("rel", "alternate") == "alternate"]
        assert len(links) == 1 and urlsplit(links[0].get("href", "")).scheme in {"http", "https"}
        author = entry.find(A + "author")
        assert feed_has_author or (author is not None and (one(author, "name").text or "").strip())
        assert entry.find(A + "summary") is not None or entry.find(A + "content") is not None
    assert len(entry_ids) == len(set(entry_ids)), "entry ids must be unique"
    return feed


def entry_titles(feed: ET.Element) -> list[str]:
    return [one(entry, "title").text or "" for entry in feed.findall(A + "entry")]


@pytest.fixture
def week() -> None:
    day = timedelta(days=1)
    store(
        payload("2401.00001", title="Good", relevance=60, published=(NOW - day).isoformat(), topics=["llm"]),
        payload("2401.00002", title="Best", relevance=90, published=(NOW - 2 * day).isoformat()),
        payload("2401.00003", title="Old", relevance=99, published=(NOW - 9 * day).isoformat(), updated=None),
        payload("2401.00004", title="Hidden", relevance=95, published=(NOW - day).isoformat()),
        payload("hep-th/0701001", title="Slashed", relevance=10, published=(NOW - day).isoformat(),
                abs_url=None, authors=[], topics=["llm"]),
    )  # fmt: skip
    Paper.objects.filter(arxiv_id="2401.00004").update(hidden=True)


def test_the_feed_is_valid_atom_in_relevance_order(api: APIClient, week: None) -> None:
    response = api.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = check_atom(response.content)
    assert entry_titles(feed) == ["Best", "Good", "Slashed"]  # not "Old" (9 days), not "Hidden"


def test_entries_link_and_identify_papers(api: APIClient, week: None) -> None:
    feed = check_atom(api.get(URL).content)
    entries = {one(e, "title").text: e for e in feed.findall(A + "entry")}
    assert one(entries["Best"], "id").text == "http://testserver/api/papers/2401.00002/"
    # Entries link to our own page of the paper on the site (SITE_URL), old-style ids keep their slash.
    assert entries["Best"].find(A + "link").get("href") == f"{settings.SITE_URL}/papers/2401.00002"
    assert entries["Slashed"].find(A + "link").get("href") == f"{settings.SITE_URL}/papers/hep-th/0701001"
    assert one(one(entries["Slashed"], "author"), "name").text == "Unknown authors"


def test_pinned_papers_lead_the_feed(api: APIClient, week: None) -> None:
    Paper.objects.filter(arxiv_id="hep-th/0701001").update(pinned=True)
    assert entry_titles(check_atom(api.get(URL).content))[0] == "Slashed"


def test_the_topic_narrows_the_feed(api: APIClient, week: None) -> None:
    response = api.get(URL, {"topic": "llm"}, HTTP_ACCEPT="application/atom+xml")
    assert response.status_code == 200
    feed = check_atom(response.content)
    assert entry_titles(feed) == ["Good", "Slashed"]
    assert "llm" in (one(feed, "title").text or "")
    assert one(feed, "id").text == "http://testserver/api/papers/feed.xml?topic=llm"


def test_an_empty_week_is_still_a_valid_feed(api: APIClient) -> None:
    feed = check_atom(api.get(URL).content)
    assert feed.findall(A + "entry") == []


def test_a_broken_feed_fails_the_check() -> None:
    good = b'<feed xmlns="http://www.w3.org/2005/Atom"><id>http://x/</id><title>t</title>' \
           b'<updated>2026-01-01T00:00:00Z</updated><link rel="self" href="http://x/f"/></feed>'  # fmt: skip
    check_atom(good)
    with pytest.raises(AssertionError):
        check_atom(good.replace(b"<updated>2026-01-01T00:00:00Z</updated>", b""))
    with pytest.raises(AssertionError):
        check_atom(good.replace(b"</feed>", b"<entry><id>a</id><title>x</title></entry></feed>"))
