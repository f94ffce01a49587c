"""infrastructure/monitoring: uptime checks on every /health, alert policies on metrics that exist."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.infra import cloudrun_model as m
from tests.infra import monitoring_checks as checks


@pytest.fixture(scope="module")
def monitoring() -> checks.Monitoring:
    return checks.load()


@pytest.fixture
def broken(monitoring: checks.Monitoring) -> checks.Monitoring:
    return copy.deepcopy(monitoring)


@pytest.mark.parametrize("check", checks.ALL_CHECKS, ids=lambda c: c.__name__)
def test_monitoring_passes(check: Any, monitoring: checks.Monitoring, manifests: m.Manifests) -> None:
    assert check(monitoring, manifests) == []


def test_the_files_cover_the_four_apis(monitoring: checks.Monitoring) -> None:
    names = {c["monitoredResource"]["labels"]["service_name"] for c in monitoring.uptime.values()}
    assert names == set(m.API_SERVICES)


def test_a_missing_uptime_check_fails(broken: checks.Monitoring, manifests: m.Manifests) -> None:
    del broken.uptime["portfolio-docprocessor"]
    problems = checks.check_every_health_probed_service_has_an_uptime_check(broken, manifests)
    assert problems == ["portfolio-docprocessor serves /health but has no uptime check"]


def test_an_internal_service_checked_without_a_token_fails(
    broken: checks.Monitoring, manifests: m.Manifests
) -> None:
    del broken.uptime["portfolio-scraper"]["httpCheck"]["serviceAgentAuthentication"]
    problems = checks.check_every_health_probed_service_has_an_uptime_check(broken, manifests)
    assert any("needs an ID token" in p for p in problems)


def test_a_policy_on_a_metric_nobody_exposes_fails(broken: checks.Monitoring, manifests: m.Manifests) -> None:
    condition = broken.policies["outbox-stuck"]["conditions"][0]["conditionPrometheusQueryLanguage"]
    condition["query"] = "max by (job) (outbox_oldest_age_seconds) > 900"
    problems = checks.check_every_policy_names_an_existing_metric(broken, manifests)
    assert problems == [
        "alert-policies/outbox-stuck (Oldest undelivered outbox message older than 15 minutes): "
        "no service exposes 'outbox_oldest_age_seconds'"
    ]
    assert checks.check_the_required_alerts_exist(broken, manifests) == [
        "no policy watches the age of the oldest undelivered outbox message"
    ]


def test_a_log_filter_on_a_message_nobody_logs_fails(
    broken: checks.Monitoring, manifests: m.Manifests
) -> None:
    broken.log_metrics["scraper_jobs_finished"]["filter"] = 'jsonPayload.message="scrape finished"'
    problems = checks.check_log_metrics_read_real_log_lines(broken, manifests)
    assert problems == ["log-metrics/scraper_jobs_finished: no code logs 'scrape finished'"]


def test_an_undefined_log_based_metric_fails(broken: checks.Monitoring, manifests: m.Manifests) -> None:
    del broken.log_metrics["scraper_jobs_finished"]
    problems = checks.check_every_policy_names_an_existing_metric(broken, manifests)
    assert any(
        "no log-based metric 'logging_googleapis_com:user_scraper_jobs_finished'" in p for p in problems
    )


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ('sum by (sender, code) (increase(webhook_verification_failures_total{code="x"}[30m])) > 5',
         {"webhook_verification_failures_total"}),
        ('absent_over_time(logging_googleapis_com:user_scraper_jobs_finished{state=~"a|b"}[26h])',
         {"logging_googleapis_com:user_scraper_jobs_finished"}),
        ("min by (job) (outbox_collector_up) == 0", {"outbox_collector_up"}),
    ],
)  # fmt: skip
def test_metric_names_are_read_from_promql(query: str, names: set[str]) -> None:
    assert checks.promql_metrics(query) == names
