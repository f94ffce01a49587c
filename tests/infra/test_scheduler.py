"""Cloud Scheduler's scraper-daily-job (a gcloud flags file) against the scraper and iam.yaml."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.infra import cloudrun_model as m
from tests.infra import scheduler_checks as checks
from tests.infra.workspace import ROOT


@pytest.fixture(scope="module")
def job() -> checks.Job:
    return checks.load()


@pytest.fixture
def broken(job: checks.Job) -> checks.Job:
    return copy.deepcopy(job)


@pytest.mark.parametrize("check", checks.ALL_CHECKS, ids=lambda c: c.__name__)
def test_scheduler_job_passes(
    check: Any, job: checks.Job, manifests: m.Manifests, iam: dict[str, Any]
) -> None:
    assert check(job, manifests, iam) == []


def test_the_deployment_guide_creates_the_job_from_this_file() -> None:
    guide = (ROOT / "docs" / "deployment.md").read_text()
    assert f"gcloud scheduler jobs create http {checks.JOB_NAME}" in guide
    assert "scheduler/scraper-daily-job.yaml" in guide


def test_a_misspelled_flag_in_a_file_is_reported(
    tmp_path: Path, manifests: m.Manifests, iam: dict[str, Any]
) -> None:
    path = tmp_path / "job.yaml"
    path.write_text(checks.JOB_FILE.read_text().replace("--time-zone:", "--timezone:"))
    problems = checks.check_flags(checks.load(path), manifests, iam)
    assert "unknown flag --timezone" in problems
    assert "missing --time-zone" in problems


def test_wrong_schedule_body_or_audience_is_reported(
    broken: checks.Job, manifests: m.Manifests, iam: dict[str, Any]
) -> None:
    broken["--schedule"] = "0 3 * * *"
    broken["--message-body"] = '{"source": "all", "days": 90}'
    broken["--oidc-token-audience"] = "https://portfolio-scraper.example"
    problems = checks.check_schedule(broken, manifests, iam) + checks.check_target(broken, manifests, iam)
    assert "--schedule '0 3 * * *' differs from the scraper's own schedule '0 2 * * *'" in problems
    assert any(p.startswith("--message-body is refused by the scraper") for p in problems)
    assert any(p.startswith("--oidc-token-audience must be the scraper's URL") for p in problems)


def test_a_caller_the_scraper_does_not_accept_is_reported(
    broken: checks.Job, manifests: m.Manifests, iam: dict[str, Any]
) -> None:
    broken["--oidc-service-account-email"] = "portfolio-analytics@${PROJECT_ID}.iam.gserviceaccount.com"
    problems = checks.check_target(broken, manifests, iam)
    assert "portfolio-analytics may not invoke portfolio-scraper (iam.yaml)" in problems
    assert any("does not accept portfolio-analytics@" in p for p in problems)


def test_no_retries_or_a_bad_deadline_is_reported(
    broken: checks.Job, manifests: m.Manifests, iam: dict[str, Any]
) -> None:
    broken["--max-retry-attempts"] = "0"
    broken["--attempt-deadline"] = "2h"
    broken["--min-backoff"] = "2h"
    problems = checks.check_retries(broken, manifests, iam)
    assert "a failed daily scrape must be retried (--max-retry-attempts >= 1)" in problems
    assert "--attempt-deadline 2h is outside 15s..30m" in problems
    assert "backoff 2h..1h is not a range" in problems
