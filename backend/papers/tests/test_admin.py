"""The owner's admin: curate papers (pin, hide, filters, search); scraper jobs read-only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.test import Client

from papers.models import Paper, ScrapeJob
from papers.tests.conftest import payload, store

pytestmark = pytest.mark.django_db
PAPERS = f"/{settings.ADMIN_PATH}papers/paper/"
JOBS = f"/{settings.ADMIN_PATH}papers/scrapejob/"


@pytest.fixture
def stored() -> None:
    store(
        payload("2401.00001", title="Graph transformers", topics=["graphs"], sources=["arxiv", "pwc"]),
        payload("2401.00002", title="Diffusion", topics=["vision"], authors=["Grace Hopper"]),
    )


def listed(admin_client: Client, **params: str) -> set[str]:
    response = admin_client.get(PAPERS, params)
    assert response.status_code == 200
    return {p.arxiv_id for p in response.context["cl"].result_list}


def test_the_changelist_searches_and_filters(admin_client: Client, stored: None) -> None:
    assert listed(admin_client) == {"2401.00001", "2401.00002"}
    assert listed(admin_client, q="graph") == {"2401.00001"}
    assert listed(admin_client, q="hopper") == {"2401.00002"}
    assert listed(admin_client, q="2401.00002") == {"2401.00002"}
    assert listed(admin_client, topic="vision") == {"2401.00002"}
    assert listed(admin_client, source="pwc") == {"2401.00001"}
    assert listed(admin_client, category="cs.LG") == {"2401.00001", "2401.00002"}
    content = admin_client.get(PAPERS).content.decode()
    assert "?topic=graphs" in content  # the filter offers the values present


@pytest.mark.parametrize(
    ("action", "field", "value"),
    [
        ("pin", "pinned", True),
        ("hide", "hidden", True),
        ("unpin", "pinned", False),
        ("unhide", "hidden", False),
    ],
)
def test_actions_pin_and_hide(
    admin_client: Client, stored: None, action: str, field: str, value: bool
) -> None:
    Paper.objects.update(**{field: not value})
    target = Paper.objects.get(arxiv_id="2401.00001")
    response = admin_client.post(PAPERS, {"action": action, "_selected_action": [target.pk]})
    assert response.status_code == 302
    assert dict(Paper.objects.values_list("arxiv_id", field)) == {
        "2401.00001": value,
        "2401.00002": not value,
    }


def test_the_change_form_edits_only_the_owners_flags(admin_client: Client, stored: None) -> None:
    paper = Paper.objects.get(arxiv_id="2401.00001")
    url = f"{PAPERS}{paper.pk}/change/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"pinned": "on", "title": "Changed by hand"})
    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.pinned is True and paper.title == "Graph transformers"


def test_scraper_jobs_are_read_only(admin_client: Client) -> None:
    moment = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
    job = ScrapeJob.objects.create(
        job_id="job-1", source="all", state="succeeded", started_at=moment, finished_at=moment,
        last_webhook_at=moment,
    )  # fmt: skip
    assert admin_client.get(JOBS).status_code == 200
    assert admin_client.get(f"{JOBS}{job.pk}/change/").status_code == 200  # view only
    assert admin_client.get(f"{JOBS}add/").status_code == 403
    assert admin_client.post(f"{JOBS}{job.pk}/change/", {"state": "failed"}).status_code == 403
    assert admin_client.post(f"{JOBS}{job.pk}/delete/", {"post": "yes"}).status_code == 403
    job.refresh_from_db()
    assert job.state == "succeeded"
