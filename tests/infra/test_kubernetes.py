"""infrastructure/kubernetes: every resource against the Kubernetes schemas (kubernetes-validate, offline)
and the platform's own rules (non-root read-only containers, probes, autoscaling, secrets)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.infra import kubernetes_checks as checks


@pytest.fixture(scope="module")
def resources() -> list[checks.Resource]:
    return checks.load()


@pytest.fixture
def broken(resources: list[checks.Resource]) -> list[checks.Resource]:
    return copy.deepcopy(resources)


def _find(resources: list[checks.Resource], kind: str, name: str) -> checks.Resource:
    return next(r for r in resources if r.get("kind") == kind and r["metadata"]["name"] == name)


def _container(resources: list[checks.Resource], name: str, kind: str = "Deployment") -> dict[str, Any]:
    return dict(checks.pod_spec(_find(resources, kind, name))["containers"][0])


def test_the_pinned_kubernetes_version_is_shipped() -> None:
    # kubernetes-validate ships schemas up to its own version; the pin must be one of them.
    assert tuple(map(int, checks.KUBERNETES_VERSION.split("."))) <= tuple(
        map(int, kubernetes_validate.latest_version().split("."))
    )


@pytest.mark.parametrize("check", checks.ALL_CHECKS, ids=lambda c: c.__name__)
def test_kubernetes_manifests_pass(check: Any, resources: list[checks.Resource]) -> None:
    assert check(resources) == []


# -- each check notices what it is there for --------------------------------------------------------
def test_a_file_with_an_invalid_field_fails_the_schema(tmp_path: Path) -> None:
    copy_dir = tmp_path / "kubernetes"
    shutil.copytree(checks.KUBERNETES, copy_dir)
    path = copy_dir / "scraper.yaml"
    docs = list(yaml.safe_load_all(path.read_text()))
    container = docs[0]["spec"]["template"]["spec"]["containers"][0]
    container["livenessProbe"]["httpGet"]["paht"] = container["livenessProbe"]["httpGet"].pop("path")
    docs[1]["spec"]["ports"][0]["port"] = "eight thousand"
    path.write_text(yaml.safe_dump_all(docs))
    problems = checks.check_schema(checks.load(copy_dir))
    assert any(p.startswith("Deployment scraper:") and "'paht' was unexpected" in p for p in problems)
    assert any(p.startswith("Service scraper: spec/ports/0/port") for p in problems)


def test_a_file_missing_from_the_kustomization_is_reported(tmp_path: Path) -> None:
    copy_dir = tmp_path / "kubernetes"
    shutil.copytree(checks.KUBERNETES, copy_dir)
    (copy_dir / "extra.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n")
    (copy_dir / "chroma.yaml").unlink()
    problems = checks.check_kustomizations(checks.load(copy_dir))
    assert any(p.endswith("extra.yaml is not in its kustomization") for p in problems)
    assert any(p.endswith("lists chroma.yaml, which does not exist") for p in problems)


def test_writable_root_or_root_user_is_reported(broken: list[checks.Resource]) -> None:
    _find(broken, "Deployment", "worker")["spec"]["template"]["spec"]["containers"][0]["securityContext"][
        "readOnlyRootFilesystem"
    ] = False
    del _find(broken, "StatefulSet", "chroma")["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"]
    core = _find(broken, "Deployment", "core")["spec"]["template"]["spec"]["containers"][0]
    core["securityContext"]["capabilities"]["drop"] = []
    del core["resources"]["limits"]
    problems = checks.check_security(broken)
    assert "Deployment worker container worker: readOnlyRootFilesystem must be true" in problems
    assert "StatefulSet chroma: the pod must set runAsNonRoot: true" in problems
    assert "Deployment core container core: must drop ALL capabilities" in problems
    assert "Deployment core container core: needs cpu and memory limits" in problems


def test_missing_probes_or_autoscaler_are_reported(broken: list[checks.Resource]) -> None:
    del _find(broken, "Deployment", "analytics")["spec"]["template"]["spec"]["containers"][0][
        "readinessProbe"
    ]
    del _find(broken, "Deployment", "core-outbox")["spec"]["template"]["spec"]["containers"][0][
        "livenessProbe"
    ]
    broken.remove(_find(broken, "HorizontalPodAutoscaler", "documents"))
    problems = checks.check_probes(broken) + checks.check_autoscaling(broken)
    assert "Deployment analytics: readinessProbe must check /ready" in problems
    assert "Deployment core-outbox: container core-outbox has no livenessProbe" in problems
    assert "Deployment documents: no HorizontalPodAutoscaler" in problems


def test_service_without_pods_and_literal_secret_are_reported(broken: list[checks.Resource]) -> None:
    _find(broken, "Service", "documents")["spec"]["selector"] = {"app.kubernetes.io/name": "docs"}
    container = _find(broken, "Deployment", "scraper")["spec"]["template"]["spec"]["containers"][0]
    container["env"].append({"name": "SERVICE_SIGNING_KEY", "value": "hunter2"})
    _find(broken, "ConfigMap", "portfolio-config")["data"]["DJANGO_SECRET_KEY"] = "hunter2"
    problems = checks.check_services(broken) + checks.check_secrets(broken)
    assert "Service documents: selects no pods" in problems
    assert "Deployment scraper: SERVICE_SIGNING_KEY must come from a Secret" in problems
    assert "ConfigMap portfolio-config: DJANGO_SECRET_KEY is a secret; it belongs in a Secret" in problems


def test_a_variable_no_image_reads_is_reported(broken: list[checks.Resource]) -> None:
    container = _find(broken, "Deployment", "analytics")["spec"]["template"]["spec"]["containers"][0]
    container["env"].append({"name": "ANALYTICS_TURBO", "value": "1"})
    assert "Deployment analytics: ANALYTICS_TURBO is read nowhere in the analytics image" in (
        checks.check_environment(broken)
    )


def test_a_public_api_without_trusted_proxy_count_is_reported(broken: list[checks.Resource]) -> None:
    container = _find(broken, "Deployment", "core")["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [e for e in container["env"] if e["name"] != "TRUSTED_PROXY_COUNT"]
    assert checks.check_trusted_proxies(broken) == [
        "Deployment core: public behind the ingress, so it needs TRUSTED_PROXY_COUNT ≥ 1"
    ]
