"""Each workload holds its own private key (if it signs) and its callers' public keys, nothing more."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from portfolio_shared.auth import KNOWN_CALLERS
from tests.infra import cloudrun_model as m
from tests.infra import kubernetes_checks as k8s
from tests.infra import service_keys_checks as checks


@pytest.fixture(scope="module")
def resources() -> list[k8s.Resource]:
    return k8s.load()


def _env(resources: list[k8s.Resource], name: str) -> list[dict[str, Any]]:
    for resource in resources:
        if resource.get("kind") == "Deployment" and resource["metadata"]["name"] == name:
            env: list[dict[str, Any]] = k8s.pod_spec(resource)["containers"][0]["env"]
            return env
    raise AssertionError(name)


def test_kubernetes_workloads_hold_exactly_their_keys(resources: list[k8s.Resource]) -> None:
    assert checks.check_kubernetes(resources) == []


def test_cloud_run_workloads_hold_exactly_their_keys(manifests: m.Manifests) -> None:
    assert checks.check_cloud_run(manifests) == []


def test_the_tables_name_only_known_callers() -> None:
    for table in (checks.KUBERNETES, checks.CLOUD_RUN):
        for signs, accepts in table.values():
            assert accepts <= KNOWN_CALLERS and (signs is None or signs in KNOWN_CALLERS)


def test_a_foreign_private_key_or_an_extra_caller_is_reported(resources: list[k8s.Resource]) -> None:
    broken = copy.deepcopy(resources)
    analytics = _env(broken, "analytics")
    analytics.append(
        {
            "name": "SERVICE_SIGNING_KEY",
            "valueFrom": {
                "secretKeyRef": {"name": "portfolio-core-signing-key", "key": "SERVICE_SIGNING_KEY"}
            },
        }
    )
    documents = _env(broken, "documents")
    documents.append({"name": "SERVICE_CALLER_KEYS_SCHEDULER", "value": "x"})
    core = _env(broken, "core")
    core[:] = [e for e in core if e["name"] != "SERVICE_SIGNING_KEY"]
    problems = checks.check_kubernetes(broken)
    assert (
        "analytics: holds signing key 'portfolio-core-signing-key', "
        "should hold 'portfolio-analytics-signing-key'" in problems
    )
    assert "documents: accepts ['admin', 'core', 'scheduler', 'scraper'], should accept " in " ".join(
        problems
    )
    assert "core: holds signing key None, should hold 'portfolio-core-signing-key'" in problems


def test_a_cloud_run_key_in_the_wrong_place_is_reported(manifests: m.Manifests) -> None:
    broken = copy.deepcopy(manifests)
    container = m.containers(broken["portfolio-docprocessor"])[0]
    container["env"].append(
        {"name": "SERVICE_SIGNING_KEY", "valueFrom": {"secretKeyRef": {"name": "portfolio-core-signing-key"}}}
    )
    assert checks.check_cloud_run(broken) == [
        "portfolio-docprocessor: holds signing key 'portfolio-core-signing-key', should hold None"
    ]
