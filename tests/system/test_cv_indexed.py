"""The owner's CV on the real stack: uploaded in core, indexed for the chatbot, cited with its page,
and replaced when a new CV is uploaded.

Processes from the Procfile: chroma, core, documents (API), worker and both outbox dispatchers.
Saving the profile's CV enqueues ``POST /process/pdf`` with the CV's URL under ``CORE_PUBLIC_URL``
in core's outbox (the outbox carries JSON only); the worker fetches the PDF from core, which serves
its media, through the SSRF guard that trusts that configured base (``OUTBOUND_ALLOW_PRIVATE`` is
off here, as in production, so nothing else local could be fetched).
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scripts.stack import services_running, wait_until
from tests.system.test_chatbot import pdf_of

ROOT = Path(__file__).resolve().parents[2]
NAME = "Asha Verma"
#: Two CVs, one string per page; the facts asked about are on page 2.
FIRST_CV = [
    f"{NAME}. Curriculum vitae. Machine learning engineer based in Pune.",
    "Experience. From 2021 to 2024 Asha led the Kestrelbyte forecasting team at Northwind Analytics, "
    "cutting the forecast error by a third.",
]
SECOND_CV = [
    f"{NAME}. Curriculum vitae. Machine learning engineer based in Pune.",
    "Experience. Since 2024 Asha has led the Kestrelbyte forecasting team at Larkspur Robotics, "
    "where the forecasts steer a warehouse fleet.",
]
QUESTION = "Where did Asha lead the Kestrelbyte forecasting team?"

SAVE_CV = """
import os
from django.core.files.base import ContentFile
from content.models import Profile
profile = Profile.load() or Profile(name={name!r}, headline="ML engineer", bio="Builds forecasting systems.")
profile.cv.save("cv.pdf", ContentFile(open(os.environ["CV_FILE"], "rb").read()), save=True)
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    processes = ["chroma", "core", "documents", "worker", "documents-outbox", "core-outbox"]
    with services_running(
        tmp_path_factory.mktemp("cv"),
        processes,
        OUTBOX_POLL_INTERVAL="0.5",
        OUTBOX_BACKOFF_BASE="0.5",
        # As in production: only CORE_PUBLIC_URL (set by build_env to core's URL) may be private.
        OUTBOUND_ALLOW_PRIVATE="false",
        OUTBOUND_ALLOWED_PORTS="80,443",
    ) as env:
        yield env


def upload_cv(stack: dict[str, str], pages: list[str], tmp: Path) -> None:
    """The CV saved on the profile, as the admin's change form saves it (post_save → core's outbox)."""
    path = tmp / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf_of(pages))
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SAVE_CV.format(name=NAME)],
        cwd=ROOT / "backend",
        env={**stack, "DATABASE_URL": stack["CORE_DATABASE_URL"], "CV_FILE": str(path)},
        check=True,
    )


def ask(stack: dict[str, str], message: str) -> dict[str, Any]:
    response = httpx.post(f"{stack['CORE_URL']}/api/chatbot/", json={"message": message}, timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def cv_citation(body: dict[str, Any]) -> dict[str, Any] | None:
    return next((c for c in body["citations"] if c["title"] == f"{NAME} — CV"), None)


def test_the_chatbot_cites_the_cv_with_its_page_and_the_new_cv_replaces_it(
    stack: dict[str, str], tmp_path: Path
) -> None:
    assert stack["CORE_PUBLIC_URL"] == stack["CORE_URL"]
    upload_cv(stack, FIRST_CV, tmp_path)

    def cited() -> dict[str, Any] | None:
        body = ask(stack, QUESTION)
        return body if cv_citation(body) and "Northwind Analytics" in body["answer"] else None

    body = wait_until(cited, timeout=180, interval=1)
    citation = cv_citation(body)
    assert citation is not None
    assert (citation["source_type"], citation["page"]) == ("pdf", 2), citation
    assert citation["url"].startswith(f"{stack['CORE_URL']}/media/profile/cv"), citation

    upload_cv(stack, SECOND_CV, tmp_path)

    def replaced() -> dict[str, Any] | None:
        body = ask(stack, QUESTION)
        return body if cv_citation(body) and "Larkspur Robotics" in body["answer"] else None

    body = wait_until(replaced, timeout=180, interval=1)
    assert "Northwind" not in body["answer"], body  # the old CV's chunks are gone
