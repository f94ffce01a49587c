"""GET /api/papers/{arxiv_id}/: both id styles, a version suffix ignored, hidden and unknown are 404."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from papers.models import Paper
from papers.tests.conftest import payload, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored() -> None:
    store(payload("2401.12345", version=2), payload("hep-th/9901001"), payload("math.GT/0309136"))


@pytest.mark.parametrize(
    ("path", "arxiv_id"),
    [
        ("2401.12345", "2401.12345"),
        ("2401.12345v2", "2401.12345"),
        ("2401.12345v1", "2401.12345"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("hep-th/9901001v3", "hep-th/9901001"),
        ("math.GT/0309136", "math.GT/0309136"),
    ],
)
def test_both_id_styles_with_or_without_a_version(
    api: APIClient, stored: None, path: str, arxiv_id: str
) -> None:
    response = api.get(f"/api/papers/{path}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["arxiv_id"] == arxiv_id
    assert body["title"] == f"Paper {arxiv_id}"


@pytest.mark.parametrize(
    "path",
    [
        "2401.99999",  # well formed, unknown
        "hep-th/9901002",
        "9912.12345",  # shaped like an id but not one (five digits before 2015)
        "2401.123",  # not an id at all: no route
        "hep-th/990100",
    ],
)
def test_unknown_or_malformed_ids_are_404_with_the_envelope(api: APIClient, stored: None, path: str) -> None:
    response = api.get(f"/api/papers/{path}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] in {"paper_not_found", "not_found"}


def test_a_hidden_paper_is_404(api: APIClient, stored: None) -> None:
    Paper.objects.filter(arxiv_id="hep-th/9901001").update(hidden=True)
    response = api.get("/api/papers/hep-th/9901001/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "paper_not_found"
