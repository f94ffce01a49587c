"""Who holds which token-mode key, on Kubernetes and Cloud Run (docs/operations.md, "Service keys").

A workload gets its own private key only if it signs tokens, and the public keys of exactly the
callers it accepts: nothing more, so a foothold in one workload can mint no other caller's tokens.
Each ``check_*`` returns a list of problems (empty: the manifests hold to the tables below).
"""

from __future__ import annotations

from typing import Any

from tests.infra import cloudrun_model as m
from tests.infra import kubernetes_checks as k8s

SIGNING_KEY = "SERVICE_SIGNING_KEY"
CALLER_KEYS = "SERVICE_CALLER_KEYS_"

#: Kubernetes (token mode): workload -> (the caller it signs as, the callers it accepts). The
#: accepted callers are those the code admits (core: the scraper's bulk upsert and analytics' title
#: lookups; scraper: core and the admin, no Cloud Scheduler here; analytics: core and admin;
#: documents: core, scraper, admin). Only core (its clients, the dashboard tokens), analytics (its
#: title lookups) and the outbox dispatchers of REST messages sign.
KUBERNETES: dict[str, tuple[str | None, frozenset[str]]] = {
    "core": ("core", frozenset({"scraper", "analytics"})),
    "core-outbox": ("core", frozenset()),
    "scraper": (None, frozenset({"core", "admin"})),
    "scraper-outbox": ("scraper", frozenset()),
    "analytics": ("analytics", frozenset({"core", "admin"})),
    "documents": (None, frozenset({"core", "scraper", "admin"})),
    "worker": (None, frozenset()),
    "documents-outbox": (None, frozenset()),
}
#: Cloud Run (oidc mode between services): only the dashboard tokens use keys.
CLOUD_RUN: dict[str, tuple[str | None, frozenset[str]]] = {
    "portfolio-backend": ("core", frozenset()),
    "portfolio-analytics": (None, frozenset({"core"})),
}


def _held(env: dict[str, dict[str, Any]], source: str) -> tuple[str | None, frozenset[str], list[str]]:
    """(signing secret's name, accepted callers, problems) of one container's ``env``."""
    problems = []
    signing = env.get(SIGNING_KEY)
    secret = None
    if signing is not None:
        secret = ((signing.get("valueFrom") or {}).get("secretKeyRef") or {}).get("name")
        if not secret:
            problems.append(f"{source}: {SIGNING_KEY} must come from a secret")
    accepts = frozenset(n.removeprefix(CALLER_KEYS).lower() for n in env if n.startswith(CALLER_KEYS))
    return secret, accepts, problems


def _compare(
    source: str, secret: str | None, accepts: frozenset[str], expected: tuple[str | None, frozenset[str]]
) -> list[str]:
    signs, callers = expected
    problems = []
    want = None if signs is None else f"portfolio-{signs}-signing-key"
    if secret != want:
        problems.append(f"{source}: holds signing key {secret!r}, should hold {want!r}")
    if accepts != callers:
        problems.append(f"{source}: accepts {sorted(accepts)}, should accept {sorted(callers)}")
    return problems


def check_kubernetes(resources: list[k8s.Resource]) -> list[str]:
    problems = []
    seen = set()
    for resource in resources:
        if resource.get("kind") not in k8s.POD_KINDS:
            continue
        name = str((resource.get("metadata") or {}).get("name"))
        pod = k8s.pod_spec(resource)
        for volume in pod.get("volumes") or []:
            if str((volume.get("secret") or {}).get("secretName", "")).endswith("-signing-key"):
                problems.append(f"{name}: mounts a signing key as a volume")
        for container in pod.get("containers") or []:
            env = {e["name"]: e for e in container.get("env") or []}
            secret, accepts, found = _held(env, name)
            problems += found
            expected = KUBERNETES.get(name, (None, frozenset()))  # jobs, chroma, frontend: nothing
            problems += _compare(name, secret, accepts, expected)
            seen.add(name)
            for source in container.get("envFrom") or []:
                if str((source.get("secretRef") or {}).get("name", "")).endswith("-signing-key"):
                    problems.append(f"{name}: takes a whole signing-key Secret (envFrom)")
    problems += [f"{name}: no such workload" for name in sorted(set(KUBERNETES) - seen)]
    return problems


def check_cloud_run(manifests: m.Manifests) -> list[str]:
    problems = []
    for name, doc in manifests.items():
        for container in m.containers(doc):
            secret, accepts, found = _held(m.env(container), name)
            problems += found
            problems += _compare(name, secret, accepts, CLOUD_RUN.get(name, (None, frozenset())))
    problems += [f"{name}: no such manifest" for name in sorted(set(CLOUD_RUN) - set(manifests))]
    return problems
