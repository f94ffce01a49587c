"""infrastructure/scheduler/scraper-daily-job.yaml (a gcloud flags file) checked against the scraper.

Each ``check_*`` takes the parsed flags (flag -> value), the Cloud Run manifests and iam.yaml, and
returns a list of problems; empty means the check passes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from croniter import croniter
from pydantic import ValidationError

from portfolio_scraper.api.scrape import CALLERS
from portfolio_scraper.api.scrape import router as scrape_router
from portfolio_scraper.config import ScraperSettings
from portfolio_shared.schemas import ScrapeRequest
from tests.infra import cloudrun_model as m

JOB_FILE = m.INFRA / "scheduler" / "scraper-daily-job.yaml"
JOB_NAME = "scraper-daily-job"
#: The flags of `gcloud scheduler jobs create http` this file may use (a typo is an unknown flag).
KNOWN_FLAGS = {
    "--location", "--description", "--schedule", "--time-zone", "--uri", "--http-method", "--headers",
    "--message-body", "--oidc-service-account-email", "--oidc-token-audience", "--attempt-deadline",
    "--max-retry-attempts", "--min-backoff", "--max-backoff", "--max-doublings", "--max-retry-duration",
}  # fmt: skip
_DURATION = re.compile(r"^(\d+)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

Job = dict[str, Any]


def load(path: Path = JOB_FILE) -> Job:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), f"{path} is not a mapping of flags"
    return data


def seconds(value: Any) -> int | None:
    """``180s``, ``5m``, ``1h`` -> seconds; None when it is not such a duration."""
    match = _DURATION.match(str(value))
    return int(match.group(1)) * _SECONDS[match.group(2)] if match else None


def check_flags(job: Job, manifests: m.Manifests, iam: dict[str, Any]) -> list[str]:
    problems = [f"unknown flag {flag}" for flag in sorted(set(job) - KNOWN_FLAGS)]
    problems += [f"missing {flag}" for flag in sorted(KNOWN_FLAGS - {"--description"} - set(job))]
    return problems


def check_schedule(job: Job, manifests: m.Manifests, iam: dict[str, Any]) -> list[str]:
    """Daily at 02:00 UTC: the schedule the scraper itself keeps when it runs alone (SCRAPE_SCHEDULE)."""
    problems = []
    schedule = str(job.get("--schedule", ""))
    local = ScraperSettings.model_fields["scrape_schedule"].default
    if not croniter.is_valid(schedule):
        problems.append(f"--schedule {schedule!r} is not a cron expression")
    elif schedule != local:
        problems.append(f"--schedule {schedule!r} differs from the scraper's own schedule {local!r}")
    try:
        ZoneInfo(str(job.get("--time-zone", "")))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"--time-zone {job.get('--time-zone')!r} is not a time zone")
    if job.get("--time-zone") not in ("Etc/UTC", "UTC"):
        problems.append("--time-zone must be UTC")
    return problems


def check_target(job: Job, manifests: m.Manifests, iam: dict[str, Any]) -> list[str]:
    """POST {scraper}/scrape with a body the scraper accepts; an ID token the scraper and Cloud Run accept."""
    problems = []
    scraper = manifests.get("portfolio-scraper")
    scraper_url = m.plain_env(scraper).get("SCRAPER_URL", "") if scraper else ""
    if job.get("--uri") != f"{scraper_url}/scrape":
        problems.append(f"--uri {job.get('--uri')!r} is not the scraper's {scraper_url}/scrape")
    routes = {(route.path, method) for route in scrape_router.routes for method in route.methods}  # type: ignore[attr-defined]
    if ("/scrape", str(job.get("--http-method", "")).upper()) not in routes:
        problems.append(f"the scraper has no {job.get('--http-method')} /scrape")
    if "application/json" not in str(job.get("--headers", "")):
        problems.append("--headers must send Content-Type=application/json")
    try:
        body = ScrapeRequest.model_validate_json(str(job.get("--message-body", "")))
        if (body.source, body.days) != ("all", 1) or json.loads(job["--message-body"]).keys() != {
            "source",
            "days",
        }:
            problems.append(
                f'--message-body must be {{"source": "all", "days": 1}}, is {job["--message-body"]}'
            )
    except (ValidationError, ValueError) as exc:
        problems.append(f"--message-body is refused by the scraper: {exc}")
    if job.get("--oidc-token-audience") != scraper_url:
        problems.append(f"--oidc-token-audience must be the scraper's URL {scraper_url}")
    email = str(job.get("--oidc-service-account-email", ""))
    account = email.removesuffix(m.SA_SUFFIX)
    spec = (iam.get("service_accounts") or {}).get(account)
    if not email.endswith(m.SA_SUFFIX) or spec is None:
        problems.append(f"--oidc-service-account-email {email} is not an account of iam.yaml")
    elif "portfolio-scraper" not in (spec.get("invokes") or []):
        problems.append(f"{account} may not invoke portfolio-scraper (iam.yaml)")
    callers = {}
    if scraper is not None:
        raw = m.plain_env(scraper).get("OIDC_CALLERS", "")
        callers = dict(reversed(p.split("=", 1)) for p in raw.split(",") if "=" in p)
    caller = callers.get(email)
    if caller is None or caller not in CALLERS:
        problems.append(f"the scraper does not accept {email} as a caller of POST /scrape (OIDC_CALLERS)")
    return problems


def check_retries(job: Job, manifests: m.Manifests, iam: dict[str, Any]) -> list[str]:
    problems = []
    low, high = seconds(job.get("--min-backoff")), seconds(job.get("--max-backoff"))
    deadline = seconds(job.get("--attempt-deadline"))
    if low is None or high is None or low > high:
        problems.append(f"backoff {job.get('--min-backoff')}..{job.get('--max-backoff')} is not a range")
    # HTTP targets allow 15 s to 30 min per attempt.
    if deadline is None or not 15 <= deadline <= 1800:
        problems.append(f"--attempt-deadline {job.get('--attempt-deadline')} is outside 15s..30m")
    for flag in ("--max-retry-attempts", "--max-doublings"):
        if not str(job.get(flag, "")).isdigit():
            problems.append(f"{flag} must be a count")
    if str(job.get("--max-retry-attempts", "0")) == "0":
        problems.append("a failed daily scrape must be retried (--max-retry-attempts >= 1)")
    if seconds(job.get("--max-retry-duration")) is None:
        problems.append("--max-retry-duration is not a duration")
    return problems


ALL_CHECKS = (check_flags, check_schedule, check_target, check_retries)


def check_all(job: Job, manifests: m.Manifests, iam: dict[str, Any]) -> list[str]:
    return [problem for check in ALL_CHECKS for problem in check(job, manifests, iam)]
