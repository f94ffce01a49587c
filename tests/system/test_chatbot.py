"""The chatbot on the real stack: a project saved in core reaches the index and is cited.

Processes from the Procfile: chroma, core, documents (API), worker, and both outbox dispatchers.
The project is created through core's ORM in a subprocess (its post_save enqueues the document in
core's outbox), core-outbox delivers it to the document processor, the worker indexes it, and the
question goes to core's public ``POST /api/chatbot/`` (extractive provider, hybrid ``/search``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portfolio_shared.auth import issue_token
from portfolio_shared.settings import DEV_SECRET
from scripts.stack import services_running

ROOT = Path(__file__).resolve().parents[2]
SLUG = "zephyrine-edge-search"
CREATE_PROJECT = f"""
from content.models import Project
Project.objects.create(
    slug={SLUG!r},
    title="Zephyrine edge search",
    summary="Vector search that runs on a phone.",
    body="The project compresses sentence embeddings with product quantisation. "
    "A zephyrine index keeps the hot centroids in memory.",
)
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    processes = ["chroma", "core", "documents", "worker", "documents-outbox", "core-outbox"]
    with services_running(
        tmp_path_factory.mktemp("chatbot"), processes, OUTBOX_POLL_INTERVAL="0.5", OUTBOX_BACKOFF_BASE="0.5"
    ) as env:
        yield env


def post(url: str, body: dict[str, Any], token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own local URL
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def wait_until(predicate: Any, timeout: float = 180) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("timed out")


def test_a_question_about_a_seeded_project_cites_it(stack: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", CREATE_PROJECT],
        cwd=ROOT / "backend",
        env={**stack, "DATABASE_URL": stack["CORE_DATABASE_URL"]},
        check=True,
    )
    token = issue_token(issuer="core", audience="documents", secret=DEV_SECRET)

    def searchable() -> bool:
        status, found = post(f"{stack['DOCUMENTS_URL']}/search", {"query": "zephyrine", "k": 3}, token)
        return status == 200 and any(SLUG in hit["document_key"] for hit in found["results"])

    wait_until(searchable)

    status, body = post(
        f"{stack['CORE_URL']}/api/chatbot/", {"message": "Which index keeps the hot centroids?"}
    )

    assert status == 200, body
    assert body["mode"] == "extractive"
    assert body["citations"], body
    assert body["citations"][0]["url"].endswith(f"/projects/{SLUG}")
    assert "centroids" in body["answer"] and "[1]" in body["answer"]
