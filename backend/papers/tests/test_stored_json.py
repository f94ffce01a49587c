"""Each paper's public JSON as stored by its trigger (papers.stored_json): the installed function is the
code's, and every way of writing a paper leaves the list reading what the detail page writes."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from rest_framework.test import APIClient

from papers import stored_json
from papers.models import Paper
from papers.tests.conftest import payload, store

pytestmark = pytest.mark.django_db
URL = "/api/papers/"


def listed(api: APIClient) -> dict[str, dict[str, object]]:
    response = api.get(URL)
    assert response.status_code == 200, response.content
    return {paper["arxiv_id"]: paper for paper in response.json()["results"]}


def detail(api: APIClient, arxiv_id: str) -> dict[str, object]:
    response = api.get(f"{URL}{arxiv_id}/")
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_the_installed_function_writes_the_object_as_the_code_does() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [stored_json.FUNCTION])
        rows = cursor.fetchall()
    assert len(rows) == 1, "the trigger function is not installed"
    assert rows[0][0] == stored_json.function_body(), (
        "papers' public JSON changed (PUBLIC_FIELDS or public_json_sql) but the stored objects are the old "
        "ones: add a migration that runs papers.stored_json.migration_sql() as it is now"
    )


def test_every_write_keeps_the_listed_object_current(api: APIClient) -> None:
    store(payload("2401.00001", title="First", relevance=50), payload("2401.00002", relevance=40))
    assert listed(api)["2401.00001"]["title"] == "First"

    # An upsert of a new version (the scraper's bulk path).
    store(payload("2401.00001", title="First, revised", relevance=50, version=2))
    assert listed(api)["2401.00001"] == detail(api, "2401.00001")
    assert listed(api)["2401.00001"]["title"] == "First, revised"

    # A queryset update (the management commands, the admin's actions).
    Paper.objects.filter(arxiv_id="2401.00002").update(topics=["llm", "agents"], relevance=77.5)
    assert listed(api)["2401.00002"]["topics"] == ["llm", "agents"]
    assert listed(api)["2401.00002"]["relevance"] == 77.5

    # A model's save (the admin's form).
    paper = Paper.objects.get(arxiv_id="2401.00002")
    paper.pinned = True
    paper.abstract = 'Quotes " and \\ and a line\nbreak'
    paper.save()
    assert listed(api)["2401.00002"] == detail(api, "2401.00002")
    assert listed(api)["2401.00002"]["pinned"] is True

    # Plain SQL, which no Python code sees.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE papers_paper SET thumbnail = 'https://img.example/x.png' WHERE arxiv_id = '2401.00001'"
        )
    assert listed(api)["2401.00001"]["thumbnail"] == "/api/papers/2401.00001/thumbnail/"


def test_the_stored_object_is_the_detail_pages_json() -> None:
    (paper,) = store(payload("2401.00003", authors=["Ada", "Grace"], relevance_components={"recency": 0.5}))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {stored_json.COLUMN} FROM papers_paper WHERE id = %s", [paper.pk])
        (stored,) = cursor.fetchone()
    api = APIClient()
    assert json.loads(stored) == detail(api, "2401.00003")
