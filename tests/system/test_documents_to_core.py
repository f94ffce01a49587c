"""A document's whole journey on the real stack: core → document processor → worker → Chroma → core.

Processes from the Procfile: chroma, core, documents (API), worker (Celery, prefork) and the
documents outbox dispatcher. The text is submitted as core's outbox would submit it, processed by
the real worker with the offline embedder, announced to core by a signed `document.processed`
webhook through the outbox, and found again by `/search` by meaning and by a rare keyword.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from portfolio_shared.auth import issue_token
from scripts.devstack import stack_signing_key
from scripts.stack import services_running, wait_until

TEXT = """# Vector search at the edge

The project compresses sentence embeddings with product quantisation so that retrieval runs on a
phone. A zephyrine index keeps the hot centroids in memory.

## Results

Recall at ten stayed above ninety percent while memory use fell by a factor of eight.
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    processes = ["chroma", "core", "documents", "worker", "documents-outbox"]
    with services_running(
        tmp_path_factory.mktemp("docs"), processes, OUTBOX_POLL_INTERVAL="0.5", OUTBOX_BACKOFF_BASE="0.5"
    ) as env:
        yield env


def call(stack: dict[str, str], method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """``method url`` as core calls the document processor: a token signed with the stack's core key."""
    token = issue_token(issuer="core", audience="documents", key=stack_signing_key(stack, "core"))
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - our own local URL
        url,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own local URL
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def test_text_is_processed_announced_to_core_and_searchable(stack: dict[str, str]) -> None:
    docs = stack["DOCUMENTS_URL"]
    status, accepted = call(
        stack,
        "POST",
        f"{docs}/process/text",
        {
            "document_key": "project:edge-search",
            "title": "Vector search at the edge",
            "text": TEXT,
            "format": "markdown",
            "source_url": "https://portfolio.example.org/projects/edge-search",
            "metadata": {"kind": "project"},
        },
    )
    assert status == 202, accepted

    def finished() -> dict[str, Any] | None:
        _, job = call(stack, "GET", f"{docs}/process/status/{accepted['job_id']}")
        return job if job["state"] in ("succeeded", "failed") else None

    job = wait_until(finished)
    assert job["state"] == "succeeded", job
    assert job["result"]["chunks"] >= 1

    # The worker's webhook reached core through the outbox; core's mirror has the document.
    def mirrored() -> tuple[Any, ...] | None:
        with psycopg.connect(stack["CORE_DATABASE_URL"]) as conn:
            return conn.execute(
                "SELECT title, chunks, state FROM documents_document WHERE document_key = %s",
                ("project:edge-search",),
            ).fetchone()

    title, chunks, state = wait_until(mirrored, timeout=60)
    assert (title, chunks, state) == ("Vector search at the edge", job["result"]["chunks"], "succeeded")

    # Found by meaning (no shared keyword) and by an exact rare keyword.
    for query in ("shrinking embedding vectors to run retrieval on mobile devices", "zephyrine"):
        status, found = call(stack, "POST", f"{docs}/search", {"query": query, "k": 3})
        assert status == 200, found
        assert found["results"], query
        assert found["results"][0]["metadata"]["document_key"] == "project:edge-search", query
