"""Builders for papers: payloads as the scraper sends them, rows stored through the real upsert."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from papers.models import Paper
from papers.services import upsert_papers
from portfolio_shared.auth import dev_signing_key, issue_token
from portfolio_shared.schemas import Paper as PaperSchema

BULK_URL = "/api/internal/papers/bulk/"
NOW = datetime.now(UTC).replace(microsecond=0)


def payload(arxiv_id: str = "2401.12345", **fields: Any) -> dict[str, Any]:
    """A paper as the arXiv source sends it; ``fields`` override or add."""
    base: dict[str, Any] = {
        "arxiv_id": arxiv_id,
        "version": 1,
        "title": f"Paper {arxiv_id}",
        "abstract": "We study things.",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "primary_category": "cs.LG",
        "categories": ["cs.LG"],
        "published": (NOW - timedelta(days=1)).isoformat(),
        "updated": (NOW - timedelta(days=1)).isoformat(),
        "abs_url": f"https://arxiv.example/abs/{arxiv_id}",
        "pdf_url": f"https://arxiv.example/pdf/{arxiv_id}",
        "sources": ["arxiv"],
        "topics": [],
        "tags": [],
        "relevance": 50.0,
    }
    return {**base, **fields}


def store(*papers: dict[str, Any]) -> list[Paper]:
    """Upsert ``papers`` through the service (as the endpoint does) and return the stored rows."""
    upsert_papers(papers=[PaperSchema.model_validate(p) for p in papers])
    ids = [p["arxiv_id"] for p in papers]
    return sorted(Paper.objects.filter(arxiv_id__in=ids), key=lambda row: ids.index(row.arxiv_id))


def service_headers(caller: str = "scraper", audience: str = "core") -> dict[str, str]:
    """A service token from ``caller``, signed with its committed development key (core's tests
    run with the development defaults, which accept those keys)."""
    token = issue_token(issuer=caller, audience=audience, key=dev_signing_key(caller))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def post_bulk(api: APIClient) -> Callable[..., Any]:
    """POST ``{"papers": papers}`` (or raw ``body``) to the bulk endpoint as ``caller``."""

    def post(
        papers: list[dict[str, Any]] | None = None,
        *,
        body: bytes | None = None,
        caller: str | None = "scraper",
    ) -> Any:
        data = body if body is not None else json.dumps({"papers": papers or []}).encode()
        headers = service_headers(caller) if caller else {}
        return api.generic("POST", BULK_URL, data, content_type="application/json", headers=headers)

    return post
