"""One hostile PDF cannot out-of-memory kill the worker container: in every deployment of the Celery
worker (Dockerfile, Cloud Run worker pool, Kubernetes, Procfile) the ``--concurrency`` is explicit,
children x their address-space limit (``WORKER_MEMORY_LIMIT_MB``) + the main process fit the
container's memory limit, and that limit covers what the inflation caps let PDFium use.

The address-space limit bounds virtual memory, which is never less than what a child keeps resident,
so the sum is a safe bound for the cgroup's (resident) limit. A child over its limit fails its own
job (services/document-processor/tests/test_documents_memory.py), never the container.
"""

from __future__ import annotations

import copy
import re
import shlex
from typing import Any

import pytest
import yaml

from portfolio_documents.config import DocumentsSettings
from portfolio_documents.processing.pdf.guard import MiB, required_address_space
from tests.infra import cloudrun_model as m
from tests.infra import kubernetes_checks as k8s
from tests.infra.workspace import ROOT

#: Room for Celery's main process (measured 2026-12-07: 160 MiB resident with two children).
MAIN_PROCESS_BYTES = 512 * MiB
_UNITS = {"Ki": 1024, "Mi": MiB, "Gi": 1024**3, "K": 1000, "M": 1000**2, "G": 1000**3}


def quantity(value: str) -> int:
    """A Kubernetes/Cloud Run memory quantity (``6Gi``, ``512Mi``) in bytes."""
    match = re.fullmatch(r"(\d+)([KMG]i?)?", str(value))
    assert match, f"unreadable memory quantity {value!r}"
    return int(match.group(1)) * _UNITS.get(match.group(2) or "", 1)


def concurrency(argv: list[str]) -> int | None:
    """The ``--concurrency``/``-c`` of a ``celery worker`` command line (``sh -c`` strings split)."""
    words = [w for arg in argv for w in (shlex.split(arg) if " " in arg else [arg])]
    if "worker" not in words:
        return None
    for i, word in enumerate(words):
        if word in ("--concurrency", "-c") and i + 1 < len(words) and words[i + 1].isdigit():
            return int(words[i + 1])
        if word.startswith("--concurrency="):
            return int(word.split("=", 1)[1])
    return None


def child_limit(env: dict[str, str]) -> int:
    """The address-space limit the settings give each child with this environment, in bytes."""
    overrides = {key: env[key] for key in ("WORKER_MEMORY_LIMIT_MB",) if env.get(key)}
    return DocumentsSettings(**overrides).worker_memory_limit_bytes


def check_worker(where: str, argv: list[str], env: dict[str, str], memory: str | None) -> list[str]:
    """What is wrong with one deployment of the worker; ``memory`` is its container limit."""
    children = concurrency(argv)
    if children is None:
        return [f"{where}: the worker command sets no explicit --concurrency: {argv}"]
    limit = child_limit(env)
    problems = []
    if limit < required_address_space():
        problems.append(
            f"{where}: WORKER_MEMORY_LIMIT_MB={limit // MiB} is below the "
            f"{required_address_space() // MiB} MiB a child needs for what the inflation caps allow"
        )
    if memory is None:
        problems.append(f"{where}: no container memory limit")
    elif children * limit + MAIN_PROCESS_BYTES > quantity(memory):
        problems.append(
            f"{where}: {children} children x {limit // MiB} MiB + {MAIN_PROCESS_BYTES // MiB} MiB "
            f"exceed the container's {memory}"
        )
    return problems


def cloudrun_problems(manifests: m.Manifests) -> list[str]:
    doc = manifests["portfolio-worker"]
    container = m.containers(doc)[0]
    argv = [*(container.get("command") or []), *(container.get("args") or [])]
    memory = ((container.get("resources") or {}).get("limits") or {}).get("memory")
    return check_worker("cloudrun portfolio-worker", argv, m.plain_env(doc), memory)


def kubernetes_problems(resources: list[k8s.Resource]) -> list[str]:
    worker = next(r for r in resources if r.get("kind") == "Deployment" and r["metadata"]["name"] == "worker")
    container = k8s.pod_spec(worker)["containers"][0]
    argv = [*(container.get("command") or []), *(container.get("args") or [])]
    env = {e["name"]: str(e["value"]) for e in container.get("env") or [] if "value" in e}
    memory = ((container.get("resources") or {}).get("limits") or {}).get("memory")
    return check_worker("kubernetes worker", argv, env, memory)


def dockerfile_argv() -> list[str]:
    built = m.built_images()["documents-worker"]
    return built.dockerfile.cmd(built.stage) or []


def procfile_argv() -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("worker:"):
            return shlex.split(line.partition(":")[2])
    raise AssertionError("the Procfile has no worker")


@pytest.fixture(scope="module")
def kube() -> list[k8s.Resource]:
    return k8s.load()


def test_every_worker_deployment_fits_its_container(manifests: m.Manifests, kube: list[k8s.Resource]) -> None:
    assert cloudrun_problems(manifests) == []
    assert kubernetes_problems(kube) == []


def compose_argv() -> list[str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return [str(word) for word in compose["services"]["worker"].get("command") or []]


def test_the_image_compose_and_the_procfile_start_an_explicit_number_of_children() -> None:
    assert concurrency(dockerfile_argv()) == 2
    assert concurrency(compose_argv()) == 2
    assert concurrency(procfile_argv()) == 2


def test_the_default_child_limit_covers_the_inflation_caps() -> None:
    assert DocumentsSettings().worker_memory_limit_bytes >= required_address_space()


# -- the checks notice what they are for ------------------------------------------------------------
def test_more_children_than_the_container_holds_are_refused(manifests: m.Manifests) -> None:
    broken = copy.deepcopy(manifests)
    args: list[Any] = m.containers(broken["portfolio-worker"])[0]["args"]
    args[args.index("--concurrency") + 1] = "3"
    assert any("3 children" in p for p in cloudrun_problems(broken))


def test_a_worker_without_explicit_concurrency_is_refused(kube: list[k8s.Resource]) -> None:
    broken = copy.deepcopy(kube)
    worker = next(r for r in broken if r.get("kind") == "Deployment" and r["metadata"]["name"] == "worker")
    container = k8s.pod_spec(worker)["containers"][0]
    container["command"] = [w for w in container["command"] if w not in ("--concurrency", "2")]
    assert any("no explicit --concurrency" in p for p in kubernetes_problems(broken))


def test_a_child_limit_below_the_inflation_caps_is_refused() -> None:
    problems = check_worker("w", ["celery", "worker", "-c", "1"], {"WORKER_MEMORY_LIMIT_MB": "1024"}, "8Gi")
    assert any("below" in p for p in problems)
    assert check_worker("w", ["celery", "worker", "-c", "1"], {}, "4Gi") == []
