"""infrastructure/monitoring checked against the code and the Cloud Run manifests.

Each ``check_*`` takes the parsed monitoring files and the Cloud Run manifests and returns a list of
problems; empty means the check passes. The metrics a policy may name are the ones the code really
exposes: every metric family of the default registry once the modules that define metrics are
imported, plus what the scrape-time collectors describe, plus the log-based metrics defined here.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import REGISTRY
from prometheus_client.registry import Collector

from tests.infra import cloudrun_model as m
from tests.infra.workspace import ROOT

MONITORING = m.INFRA / "monitoring"
#: Modules that define Prometheus metrics at import (the FastAPI services and core share these).
METRIC_MODULES = (
    "portfolio_shared.metrics",
    "portfolio_shared.outbox.metrics",
    "portfolio_scraper.jobs.metrics",
)
#: Built-in Google Cloud metric types a threshold condition may use.
BUILTIN_METRIC_TYPES = {"monitoring.googleapis.com/uptime_check/check_passed"}
#: PromQL words that are not metric names.
PROMQL_WORDS = {
    "sum", "min", "max", "avg", "count", "by", "without", "on", "ignoring", "group_left", "group_right",
    "and", "or", "unless", "rate", "irate", "increase", "delta", "absent", "absent_over_time",
    "max_over_time", "min_over_time", "avg_over_time", "time", "histogram_quantile", "bool", "offset",
}  # fmt: skip
LOG_METRIC_PREFIX = "logging_googleapis_com:user_"
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_MESSAGE = re.compile(r'jsonPayload\.message="([^"]+)"')
_SERVICE = re.compile(r'jsonPayload\.service="([^"]+)"')
#: Where the code that logs lives.
CODE_DIRS = (ROOT / "backend", ROOT / "services")


@dataclass
class Monitoring:
    uptime: dict[str, dict[str, Any]] = field(default_factory=dict)
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    log_metrics: dict[str, dict[str, Any]] = field(default_factory=dict)


def _docs(directory: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(directory.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        assert isinstance(doc, dict), f"{path} is not a mapping"
        found[path.stem] = doc
    return found


def load(directory: Path = MONITORING) -> Monitoring:
    return Monitoring(
        uptime=_docs(directory / "uptime-checks"),
        policies=_docs(directory / "alert-policies"),
        log_metrics=_docs(directory / "log-metrics"),
    )


@cache
def exposed_metrics() -> frozenset[str]:
    """Every sample name the services' /internal/metrics can show."""
    for module in METRIC_MODULES:
        importlib.import_module(module)
    from portfolio_documents.metrics import DocumentsCollector
    from portfolio_shared.outbox import OutboxCollector

    collectors: list[Collector] = [
        REGISTRY,
        DocumentsCollector(database_url="", redis_url="", queue=""),
        OutboxCollector(cursors=lambda: None),  # type: ignore[arg-type,return-value]  # describe() only
    ]
    names: set[str] = set()
    for collector in collectors:
        families = collector.collect() if collector is REGISTRY else collector.describe()  # type: ignore[attr-defined]
        for family in families:
            names.add(family.name)
            if family.type == "counter":
                names.add(f"{family.name}_total")
            if family.type == "histogram":
                names.update(f"{family.name}_{suffix}" for suffix in ("bucket", "sum", "count"))
    return frozenset(names)


def promql_metrics(query: str) -> set[str]:
    """Metric names in a PromQL query: identifiers outside label matchers, ranges and ``by (...)``."""
    text = re.sub(r"\{[^}]*\}", " ", query)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", " ", text)
    text = re.sub(r'"[^"]*"', " ", text)
    return {token for token in _IDENT.findall(text) if token not in PROMQL_WORDS}


@cache
def _code_mentions(text: str) -> bool:
    for directory in CODE_DIRS:
        for path in directory.rglob("*.py"):
            if "/tests/" not in str(path) and ".venv" not in path.parts and text in path.read_text():
                return True
    return False


def _log_filter_problems(where: str, log_filter: str) -> list[str]:
    """A log filter must name our JSON fields and a message the code really logs."""
    problems = []
    messages = _MESSAGE.findall(log_filter)
    if not messages:
        problems.append(f"{where}: the filter names no jsonPayload.message")
    for message in messages:
        if not _code_mentions(f'"{message}"'):
            problems.append(f"{where}: no code logs {message!r}")
    for service in _SERVICE.findall(log_filter):
        if service not in m.API_SERVICES.values():
            problems.append(f"{where}: {service!r} is not a service name of the logs")
    return problems


def check_every_health_probed_service_has_an_uptime_check(
    mon: Monitoring, manifests: m.Manifests
) -> list[str]:
    """Each Cloud Run service probed on /health (the four APIs) has an uptime check of that path."""
    problems = []
    probed = {
        name
        for name, doc in manifests.items()
        if m.kind(doc) == "Service"
        and any(
            (c.get(probe) or {}).get("httpGet", {}).get("path") == "/health"
            for c in m.containers(doc)
            for probe in ("livenessProbe", "startupProbe")
        )
    }
    if set(m.API_SERVICES) - probed:
        problems.append(
            f"the Cloud Run manifests do not probe /health on {sorted(set(m.API_SERVICES) - probed)}"
        )
    checked = {}
    for stem, check in mon.uptime.items():
        resource = check.get("monitoredResource") or {}
        labels = resource.get("labels") or {}
        if resource.get("type") != "cloud_run_revision":
            problems.append(f"uptime-checks/{stem}: monitoredResource.type is not cloud_run_revision")
        if labels.get("project_id") != "${PROJECT_ID}" or labels.get("location") != "${REGION}":
            problems.append(
                f"uptime-checks/{stem}: project_id/location are not the deployment's placeholders"
            )
        checked[str(labels.get("service_name"))] = (stem, check)
    for name in sorted(probed | set(m.API_SERVICES)):
        if name not in checked:
            problems.append(f"{name} serves /health but has no uptime check")
            continue
        stem, check = checked[name]
        http = check.get("httpCheck") or {}
        if http.get("path") != "/health" or not http.get("useSsl") or http.get("port") != 443:
            problems.append(f"uptime-checks/{stem}: must GET /health over HTTPS on 443")
        if (
            name in m.INTERNAL_SERVICES
            and (http.get("serviceAgentAuthentication") or {}).get("type") != "OIDC_TOKEN"
        ):
            problems.append(f"uptime-checks/{stem}: {name} needs an ID token (serviceAgentAuthentication)")
        matchers = check.get("contentMatchers") or []
        if not any((mt.get("jsonPathMatcher") or {}).get("jsonPath") == "$.status" for mt in matchers):
            problems.append(f"uptime-checks/{stem}: should match the body's $.status")
    for name in checked:
        if name not in manifests:
            problems.append(f"an uptime check names {name!r}, which no Cloud Run manifest defines")
    return problems


def check_uptime_periods_and_timeouts(mon: Monitoring, manifests: m.Manifests) -> list[str]:
    problems = []
    for stem, check in mon.uptime.items():
        if check.get("period") not in {"60s", "300s", "600s", "900s"}:
            problems.append(f"uptime-checks/{stem}: period must be 60s, 300s, 600s or 900s")
        timeout = str(check.get("timeout", ""))
        if not re.fullmatch(r"\d+s", timeout) or not 1 <= int(timeout[:-1]) <= 60:
            problems.append(f"uptime-checks/{stem}: timeout must be 1s..60s")
    return problems


def check_every_policy_names_an_existing_metric(mon: Monitoring, manifests: m.Manifests) -> list[str]:
    """PromQL names only metrics the code exposes or log-based metrics defined here; threshold
    filters name a built-in or one of those; log-match filters name a message the code logs."""
    problems = []
    exposed = exposed_metrics()
    log_metrics = {str(doc.get("name")) for doc in mon.log_metrics.values()}
    for stem, policy in mon.policies.items():
        conditions = policy.get("conditions") or []
        if not conditions:
            problems.append(f"alert-policies/{stem}: no conditions")
        if not policy.get("displayName") or not (policy.get("documentation") or {}).get("content"):
            problems.append(
                f"alert-policies/{stem}: needs a displayName and documentation for whoever is paged"
            )
        for condition in conditions:
            where = f"alert-policies/{stem} ({condition.get('displayName')})"
            if "conditionPrometheusQueryLanguage" in condition:
                query = str(condition["conditionPrometheusQueryLanguage"].get("query", ""))
                names = promql_metrics(query)
                if not names:
                    problems.append(f"{where}: the query names no metric")
                for name in names:
                    if name.startswith(LOG_METRIC_PREFIX):
                        if name.removeprefix(LOG_METRIC_PREFIX) not in log_metrics:
                            problems.append(f"{where}: no log-based metric {name!r} is defined")
                    elif name not in exposed:
                        problems.append(f"{where}: no service exposes {name!r}")
            elif "conditionThreshold" in condition or "conditionAbsent" in condition:
                body = condition.get("conditionThreshold") or condition.get("conditionAbsent") or {}
                match = re.search(r'metric\.type="([^"]+)"', str(body.get("filter", "")))
                metric_type = match.group(1) if match else ""
                user = metric_type.removeprefix("logging.googleapis.com/user/")
                prom = re.fullmatch(r"prometheus\.googleapis\.com/([^/]+)/\w+", metric_type)
                if not (
                    metric_type in BUILTIN_METRIC_TYPES
                    or (user != metric_type and user in log_metrics)
                    or (prom and prom.group(1) in exposed)
                ):
                    problems.append(f"{where}: {metric_type or 'no metric.type'} is not a metric we have")
            elif "conditionMatchedLog" in condition:
                problems += _log_filter_problems(
                    where, str(condition["conditionMatchedLog"].get("filter", ""))
                )
                if not ((policy.get("alertStrategy") or {}).get("notificationRateLimit") or {}).get("period"):
                    problems.append(
                        f"alert-policies/{stem}: a log-match policy needs a notificationRateLimit"
                    )
            else:
                problems.append(f"{where}: unknown condition type")
    return problems


def check_log_metrics_read_real_log_lines(mon: Monitoring, manifests: m.Manifests) -> list[str]:
    problems = []
    for stem, metric in mon.log_metrics.items():
        if metric.get("name") != stem:
            problems.append(f"log-metrics/{stem}: name must equal the file name")
        problems += _log_filter_problems(f"log-metrics/{stem}", str(metric.get("filter", "")))
        declared = {label.get("key") for label in (metric.get("metricDescriptor") or {}).get("labels") or []}
        if set(metric.get("labelExtractors") or {}) != declared:
            problems.append(f"log-metrics/{stem}: labelExtractors and metricDescriptor.labels differ")
    return problems


def check_the_required_alerts_exist(mon: Monitoring, manifests: m.Manifests) -> list[str]:
    """Issue 8: a failed or missing daily scrape, and a stuck outbox."""
    problems = []
    queries = {
        stem: " ".join(
            str((c.get("conditionPrometheusQueryLanguage") or {}).get("query", ""))
            + str((c.get("conditionMatchedLog") or {}).get("filter", ""))
            for c in policy.get("conditions") or []
        )
        for stem, policy in mon.policies.items()
    }
    if not any("absent_over_time" in q and "scraper_jobs_finished" in q for q in queries.values()):
        problems.append("no policy fires when no scrape finished (absent_over_time of scraper_jobs_finished)")
    if not any('jsonPayload.state="failed"' in q and "scrape job finished" in q for q in queries.values()):
        problems.append("no policy fires on a failed scrape job")
    if not any("outbox_oldest_pending_age_seconds" in q for q in queries.values()):
        problems.append("no policy watches the age of the oldest undelivered outbox message")
    return problems


ALL_CHECKS = (
    check_every_health_probed_service_has_an_uptime_check,
    check_uptime_periods_and_timeouts,
    check_every_policy_names_an_existing_metric,
    check_log_metrics_read_real_log_lines,
    check_the_required_alerts_exist,
)
