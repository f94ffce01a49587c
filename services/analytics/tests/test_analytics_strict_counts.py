"""Counts are JSON integers, as the schema says: the schema fuzzing (tests/fuzz) found ``false`` read as 0."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from ingest_support import Harness, harness


@pytest.fixture
async def h() -> AsyncIterator[Harness]:
    async with harness() as h:
        yield h


@pytest.mark.parametrize("value", [False, True, "1500"])
@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("engagement", {"path": "/"}, "engaged_ms"),
        ("search", {"path": "/papers", "query": "rag"}, "results_count"),
    ],
)
async def test_a_count_that_is_not_an_integer_is_422(
    h: Harness, name: str, body: dict[str, Any], field: str, value: object
) -> None:
    response = await h.post(name, {**body, field: value})
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["error"]["details"]["errors"]] == [["body", field]]


async def test_a_count_in_a_batch_is_as_strict(h: Harness) -> None:
    response = await h.post("batch", {"events": [{"type": "engagement", "path": "/", "engaged_ms": False}]})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    ("name", "body"),
    [("engagement", {"path": "/", "engaged_ms": 1500}), ("search", {"query": "rag", "results_count": 0})],
)
async def test_integer_counts_are_accepted(h: Harness, name: str, body: dict[str, Any]) -> None:
    assert (await h.post(name, body)).status_code == 202
