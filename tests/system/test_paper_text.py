"""Papers searchable without their PDF, on the real stack: a paper core receives from the scraper
(``POST /api/internal/papers/bulk/``) reaches the document processor through core's outbox, the
worker indexes its title, abstract and summary as ``paper-text:<id>``, ``/search`` finds it by its
abstract's wording, the chatbot cites our paper page, and similar papers come from the vectors.

Processes from the Procfile: chroma, core, core-outbox, documents (API) and worker; nothing is faked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from portfolio_shared.auth import issue_token
from scripts.devstack import stack_signing_key
from scripts.stack import services_running, wait_until

ROOT = Path(__file__).resolve().parents[2]
QUILL = "2611.07001"
QUILL_TITLE = "Quillwort attention: merging agreeing keys in long-context transformers"
NEIGHBOUR = "2611.07002"
FAR = "2611.07003"


def paper(arxiv_id: str, title: str, abstract: str, **fields: Any) -> dict[str, Any]:
    return {
        "arxiv_id": arxiv_id,
        "version": 1,
        "title": title,
        "abstract": abstract,
        "authors": ["A. Author"],
        "primary_category": "cs.LG",
        "categories": ["cs.LG"],
        "published": "2026-11-20T00:00:00+00:00",
        "updated": "2026-11-20T00:00:00+00:00",
        "abs_url": f"https://arxiv.example/abs/{arxiv_id}",
        "pdf_url": f"https://arxiv.example/pdf/{arxiv_id}",
        "sources": ["arxiv"],
        **fields,
    }


PAPERS = [
    paper(
        QUILL,
        QUILL_TITLE,
        "Quillwort attention compresses the key-value cache of long-context transformers by merging "
        "adjacent tokens whose keys agree. "
        "It cuts cache memory by a factor of four with no loss in perplexity.",
        ai_summary="A way to shrink the key-value cache of long-context language models fourfold.",
    ),
    paper(
        NEIGHBOUR,
        "Compressing the key-value cache of long-context language models",
        "We compress the key-value cache of transformer language models with long contexts by merging "
        "similar keys, reducing memory while keeping perplexity.",
    ),
    paper(
        FAR,
        "Tactile grasping policies for robot manipulation",
        "A robot arm learns to grasp deformable objects from tactile feedback in a few hundred trials.",
    ),
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    processes = ["chroma", "core", "core-outbox", "documents", "worker"]
    with services_running(
        tmp_path_factory.mktemp("paper-text"),
        processes,
        OUTBOX_POLL_INTERVAL="0.5",
        OUTBOX_BACKOFF_BASE="0.5",
        TRUSTED_PROXY_COUNT="1",
        LLM_PROVIDER="extractive",
        EMBEDDING_PROVIDER="local",
    ) as env:
        yield env


@pytest.fixture(scope="module")
def documents(stack: dict[str, str]) -> Iterator[httpx.Client]:
    core_key = stack_signing_key(stack, "core")

    def service_token(request: httpx.Request) -> httpx.Request:
        request.headers["Authorization"] = (
            f"Bearer {issue_token(issuer='core', audience='documents', key=core_key)}"
        )
        return request

    with httpx.Client(base_url=stack["DOCUMENTS_URL"], auth=service_token, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def received(stack: dict[str, str], documents: httpx.Client) -> dict[str, str]:
    """The papers posted to core as the scraper posts them, then waited for in the index."""
    token = issue_token(issuer="scraper", audience="core", key=stack_signing_key(stack, "scraper"))
    response = httpx.post(
        f"{stack['CORE_URL']}/api/internal/papers/bulk/",
        json={"papers": PAPERS},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == len(PAPERS)

    def all_indexed() -> bool:
        return all(
            documents.get(f"/documents/paper-text%3A{p['arxiv_id']}").status_code == 200 for p in PAPERS
        )

    wait_until(all_indexed, timeout=180)
    return stack


def test_a_received_paper_is_found_by_its_abstracts_wording(
    received: dict[str, str], documents: httpx.Client
) -> None:
    found = documents.post("/search", json={"query": "merging adjacent tokens whose keys agree", "k": 3})
    assert found.status_code == 200, found.text
    top = found.json()["results"][0]
    assert top["document_key"] == f"paper-text:{QUILL}"
    assert top["title"] == QUILL_TITLE
    assert top["source_url"].endswith(f"/papers/{QUILL}")
    assert top["metadata"]["kind"] == "paper" and top["metadata"]["arxiv_id"] == QUILL


def test_the_chatbot_cites_our_paper_page(received: dict[str, str]) -> None:
    response = httpx.post(
        f"{received['CORE_URL']}/api/chatbot/",
        json={"message": "How much does quillwort attention cut cache memory?"},
        headers={"X-Forwarded-For": "203.0.113.250, 198.51.100.77"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    cited = [c for c in body["citations"] if c["title"] == QUILL_TITLE]
    assert cited, body
    assert cited[0]["url"].endswith(f"/papers/{QUILL}") and "arxiv" not in cited[0]["url"]
    assert cited[0]["source_type"] == "paper"
    assert "factor of four" in body["answer"] or "fourfold" in body["answer"], body


def test_similar_papers_come_from_the_stored_vectors(received: dict[str, str]) -> None:
    response = httpx.get(f"{received['CORE_URL']}/api/papers/{QUILL}/similar/", timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["degraded"] is False
    ids = [p["arxiv_id"] for p in body["results"]]
    assert QUILL not in ids
    assert ids[0] == NEIGHBOUR and FAR in ids
    assert body["results"][0]["similarity"] > body["results"][-1]["similarity"]
