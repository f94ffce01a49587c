"""The scraping cockpit against the real scraper (a process on a free port, see conftest.py), as a
staff user through Django's test client: scrape now and follow the job live, re-run a failed source,
and keywords edited in the admin reaching the scraper's scoring."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scrapes.tests.conftest import ENV_KEYWORDS, ScraperProcess

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "admin:scrapes_livescrapejob_changelist"
TERMINAL = {"succeeded", "partial", "failed"}


def job_json(client: Client, job_id: str) -> dict[str, Any]:
    response = client.get(reverse("admin:scrapes_livescrapejob_job_json", args=[job_id]))
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def wait_for_end(client: Client, job_id: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = job_json(client, job_id)
        if job["state"] in TERMINAL:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.2)


def scrape_now(client: Client, source: str, days: int) -> str:
    response = client.post(
        reverse("admin:scrapes_livescrapejob_scrape_now"), {"source": source, "days": days}
    )
    assert response.status_code == 302, response.content
    job_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    assert response["Location"] == reverse("admin:scrapes_livescrapejob_job", args=[job_id])
    return job_id


def test_scrape_now_shows_the_job_running_with_its_progress_then_its_counts(
    client: Client, owner: Any, scraper_process: ScraperProcess
) -> None:
    # Slow upstreams keep the job running long enough to be watched.
    scraper_process.upstream.hf.delay = scraper_process.upstream.arxiv.delay = 1.5
    job_id = scrape_now(client, "all", 2)

    page = client.get(reverse("admin:scrapes_livescrapejob_job", args=[job_id]))
    html = page.content.decode()
    assert page.status_code == 200 and job_id in html
    assert "The scraper started job" in html  # the message of the redirect
    assert 'data-live-url="' + reverse("admin:scrapes_livescrapejob_job_json", args=[job_id]) in html
    assert "scrapes/live.js" in html

    deadline = time.monotonic() + 30
    while (running := job_json(client, job_id))["state"] == "queued":
        assert time.monotonic() < deadline, running
        time.sleep(0.1)
    assert running["state"] == "running" and running["progress"] < 100, running
    assert running["phase"] == "fetch" and set(running["sources"]) == {"arxiv", "huggingface", "pwc"}
    listing = client.get(reverse(LIST)).content.decode()
    assert f'data-job="{job_id}" data-state="running"' in listing
    assert '<progress data-field="progress" max="100" value="' in listing
    # The running job is in the scraper's own list (core's mirror only has finished ones).
    live = client.get(reverse("admin:scrapes_livescrapejob_jobs_json"), {"state": "running"}).json()
    assert [job["id"] for job in live["results"]] == [job_id] and live["count"] == 1

    done = wait_for_end(client, job_id)
    assert done["state"] == "succeeded" and done["progress"] == 100, done
    assert done["trigger"] == "api" and done["days"] == 2
    assert done["counts"] == {"fetched": 5, "new": 4, "updated": 0, "skipped": 1, "failed": 0}
    assert {name: s["state"] for name, s in done["sources"].items()} == dict.fromkeys(
        ("arxiv", "huggingface", "pwc"), "succeeded"
    )
    listing = client.get(reverse(LIST)).content.decode()
    assert f'data-job="{job_id}" data-state="succeeded"' in listing
    assert "5 fetched, 4 new, 0 updated, 1 skipped, 0 failed" in listing
    # Core has no keywords yet: the scraper scored with its own INTEREST_KEYWORDS.
    assert scraper_process.job_params(job_id)["profile"]["keywords_from"] == "environment"


def test_a_failed_source_is_rerun_from_the_admin(
    client: Client, owner: Any, scraper_process: ScraperProcess
) -> None:
    scraper_process.upstream.arxiv.error("service temporarily unavailable")
    job_id = scrape_now(client, "all", 1)
    failed = wait_for_end(client, job_id)
    assert failed["state"] == "partial"
    assert failed["sources"]["arxiv"]["state"] == "failed"
    page = client.get(reverse("admin:scrapes_livescrapejob_job", args=[job_id])).content.decode()
    assert "source_error" in page and "Re-run arxiv" in page
    assert "Re-run pwc" not in page  # only a failed source offers it

    rerun_url = reverse("admin:scrapes_livescrapejob_rerun", args=[job_id])
    # A source that did not fail: the scraper's refusal is shown, nothing starts.
    refused = client.post(rerun_url, {"source": "pwc"}, follow=True)
    assert "did not fail" in refused.content.decode()
    response = client.post(rerun_url, {"source": "arxiv"})
    assert response.status_code == 302
    new_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    assert new_id != job_id

    rerun = wait_for_end(client, new_id)
    assert rerun["state"] == "succeeded" and rerun["source"] == "arxiv"
    assert rerun["trigger"] == "rerun" and rerun["rerun_of"] == job_id
    assert rerun["sources"]["arxiv"]["counts"]["fetched"] == 3
    listing = client.get(reverse(LIST)).content.decode()
    assert listing.index(f'data-job="{new_id}"') < listing.index(f'data-job="{job_id}"')
    assert "re-run of" in listing


def test_keywords_edited_in_the_admin_reach_the_scrapers_scoring(
    client: Client, owner: Any, scraper_process: ScraperProcess
) -> None:
    added = client.post(reverse("admin:scrapes_relevancekeyword_add"), {"term": "grokking", "weight": "3"})
    assert added.status_code == 302
    job_id = wait_for_end(client, scrape_now(client, "arxiv", 2))["id"]

    profile = scraper_process.job_params(job_id)["profile"]
    assert profile["keywords_from"] == "core" and profile["origin"] == "core"
    papers = scraper_process.sent_papers()
    # Core's keyword scores its paper; the scraper's own keyword no longer counts.
    assert papers["2611.00003"]["relevance_components"]["interest"] > 0.5
    sparse = papers["2611.00002"]
    assert ENV_KEYWORDS in sparse["title"].lower() and sparse["relevance_components"]["interest"] == 0


def test_the_scraper_being_down_is_a_message_not_an_error(client: Client, owner: Any, settings: Any) -> None:
    from core_lib.testing import closed_port_url

    settings.SCRAPER_URL = closed_port_url()
    page = client.get(reverse(LIST))
    assert page.status_code == 200
    assert "The scraper is unavailable" in page.content.decode()
    started = client.post(
        reverse("admin:scrapes_livescrapejob_scrape_now"), {"source": "all", "days": 1}, follow=True
    )
    assert "The scraper is unavailable, so the scrape did not happen" in started.content.decode()
    status = client.get(reverse("admin:scrapes_livescrapejob_jobs_json"))
    assert status.status_code == 503 and status.json()["error"]["code"] == "upstream_unreachable"
    bad = client.post(reverse("admin:scrapes_livescrapejob_scrape_now"), {"source": "github", "days": 40})
    assert bad.status_code == 200 and set(bad.context["form"].errors) == {"source", "days"}


def test_staff_without_the_permissions_cannot_start_or_see(client: Client, django_user_model: Any) -> None:
    clerk = django_user_model.objects.create_user("clerk", "clerk@example.org", "pw", is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse(LIST)).status_code == 403
    response = client.post(reverse("admin:scrapes_livescrapejob_scrape_now"), {"source": "all", "days": 1})
    assert response.status_code == 403
