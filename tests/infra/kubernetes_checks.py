"""infrastructure/kubernetes checked offline: the Kubernetes schemas (kubernetes-validate) and our rules.

Resources are parsed dicts (a test can break a copy); each ``check_*`` returns a list of problems.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

from tests.infra.cloudrun_checks import THIRD_PARTY_VARIABLES
from tests.infra.cloudrun_model import built_images, secret_variables
from tests.infra.compose_checks import _image_sources, reads_variable
from tests.infra.workspace import ROOT, locked_version

KUBERNETES = ROOT / "infrastructure" / "kubernetes"
#: The Kubernetes version the manifests are validated for (kubernetes-validate ships 1.25 to 1.37).
KUBERNETES_VERSION = "1.34"
#: Every process of the platform (Procfile, docker-compose.yml) and its kind.
WORKLOADS = {
    "core": "Deployment", "scraper": "Deployment", "analytics": "Deployment", "documents": "Deployment",
    "worker": "Deployment", "core-outbox": "Deployment", "scraper-outbox": "Deployment",
    "documents-outbox": "Deployment", "chroma": "StatefulSet",
}  # fmt: skip
#: The HTTP APIs: probed on /ready and /health, scaled by a HorizontalPodAutoscaler.
APIS = {"core", "scraper", "analytics", "documents"}
POD_KINDS = {"Deployment", "StatefulSet", "Job"}
#: The APIs an ingress controller exposes (the frontend is public too, but only serves files).
PUBLIC_APIS = {"core", "analytics"}

Resource = dict[str, Any]


def load(directory: Path = KUBERNETES) -> list[Resource]:
    """Every resource of every YAML file under ``directory`` (kustomizations included), with its file."""
    resources = []
    for path in sorted(directory.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is not None:
                resources.append({**doc, "__file__": path})
    return resources


def _clean(resource: Resource) -> Resource:
    return {k: v for k, v in resource.items() if k != "__file__"}


def _name(resource: Resource) -> str:
    return f"{resource.get('kind')} {(resource.get('metadata') or {}).get('name')}"


def _objects(resources: list[Resource]) -> list[Resource]:
    return [r for r in resources if r.get("kind") != "Kustomization"]


def pod_spec(resource: Resource) -> dict[str, Any]:
    return dict(((resource.get("spec") or {}).get("template") or {}).get("spec") or {})


def check_schema(resources: list[Resource]) -> list[str]:
    """Each resource against the Kubernetes JSON schema, strict (an unknown field is an error)."""
    problems = []
    for resource in _objects(resources):
        try:
            kubernetes_validate.validate(_clean(resource), KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            location = "/".join(str(p) for p in exc.absolute_path)
            problems.append(f"{_name(resource)}: {location}: {exc.message}")
        except (kubernetes_validate.SchemaNotFoundError, KeyError) as exc:
            problems.append(f"{_name(resource)}: no schema ({exc})")
    return problems


def check_kustomizations(resources: list[Resource]) -> list[str]:
    """A kustomization lists exactly the manifests beside it, and each listed file exists."""
    problems = []
    for kustomization in (r for r in resources if r.get("kind") == "Kustomization"):
        directory = kustomization["__file__"].parent
        listed = set(kustomization.get("resources") or [])
        present = {p.name for p in directory.glob("*.yaml") if p.name != "kustomization.yaml"}
        rel = directory.relative_to(ROOT) if directory.is_relative_to(ROOT) else directory
        problems += [f"{rel}: lists {f}, which does not exist" for f in sorted(listed - present)]
        problems += [f"{rel}: {f} is not in its kustomization" for f in sorted(present - listed)]
    return problems


def check_workloads(resources: list[Resource]) -> list[str]:
    found = {((r.get("metadata") or {}).get("name"), r.get("kind")) for r in _objects(resources)}
    return [
        f"{kind} {name} is missing" for name, kind in sorted(WORKLOADS.items()) if (name, kind) not in found
    ]


def check_security(resources: list[Resource]) -> list[str]:
    """Non-root, read-only, no privilege escalation, no capabilities, requests and limits, a writable /tmp."""
    problems = []
    for resource in (r for r in _objects(resources) if r.get("kind") in POD_KINDS):
        name, pod = _name(resource), pod_spec(resource)
        if resource.get("kind") == "Job":
            pod = dict((((resource.get("spec") or {}).get("template") or {}).get("spec")) or {})
        pod_security = pod.get("securityContext") or {}
        if pod_security.get("runAsNonRoot") is not True:
            problems.append(f"{name}: the pod must set runAsNonRoot: true")
        if (pod_security.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            problems.append(f"{name}: the pod must use the RuntimeDefault seccomp profile")
        volumes = {v["name"]: v for v in pod.get("volumes") or []}
        for container in pod.get("containers") or []:
            where = f"{name} container {container.get('name')}"
            security = container.get("securityContext") or {}
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation must be false")
            if security.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: readOnlyRootFilesystem must be true")
            if "ALL" not in ((security.get("capabilities") or {}).get("drop") or []):
                problems.append(f"{where}: must drop ALL capabilities")
            resources_ = container.get("resources") or {}
            for bound in ("requests", "limits"):
                if not {"cpu", "memory"} <= set(resources_.get(bound) or {}):
                    problems.append(f"{where}: needs cpu and memory {bound}")
            mounts = container.get("volumeMounts") or []
            tmp = [v for v in mounts if v.get("mountPath") == "/tmp"]  # noqa: S108 - a path in a manifest
            if not tmp or "emptyDir" not in volumes.get(tmp[0]["name"], {}):
                problems.append(f"{where}: a read-only root needs an emptyDir at /tmp")
    return problems


def _probe_path(container: dict[str, Any], probe: str) -> str | None:
    return ((container.get(probe) or {}).get("httpGet") or {}).get("path")


def check_probes(resources: list[Resource]) -> list[str]:
    """Every long-running container has a liveness probe; the APIs are ready on /ready, alive on /health."""
    problems = []
    for resource in (r for r in _objects(resources) if r.get("kind") in {"Deployment", "StatefulSet"}):
        name = resource["metadata"]["name"]
        for container in pod_spec(resource).get("containers") or []:
            if not container.get("livenessProbe"):
                problems.append(f"{_name(resource)}: container {container.get('name')} has no livenessProbe")
            if name in APIS:
                if _probe_path(container, "readinessProbe") != "/ready":
                    problems.append(f"{_name(resource)}: readinessProbe must check /ready")
                if _probe_path(container, "livenessProbe") != "/health":
                    problems.append(f"{_name(resource)}: livenessProbe must check /health")
    return problems


def check_autoscaling(resources: list[Resource]) -> list[str]:
    """Each API has an autoscaling/v2 HPA on its Deployment; the HPA, not the Deployment, sets replicas."""
    problems = []
    deployments = {r["metadata"]["name"]: r for r in _objects(resources) if r.get("kind") == "Deployment"}
    scaled = {}
    for hpa in (r for r in _objects(resources) if r.get("kind") == "HorizontalPodAutoscaler"):
        target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if hpa.get("apiVersion") != "autoscaling/v2":
            problems.append(f"{_name(hpa)}: use autoscaling/v2")
        if target.get("kind") != "Deployment" or target.get("name") not in deployments:
            problems.append(
                f"{_name(hpa)}: scales {target.get('kind')} {target.get('name')}, which does not exist"
            )
        scaled[target.get("name")] = hpa
    for api in sorted(APIS):
        if api not in scaled:
            problems.append(f"Deployment {api}: no HorizontalPodAutoscaler")
        elif "replicas" in (deployments.get(api, {}).get("spec") or {}):
            problems.append(f"Deployment {api}: sets replicas, which its HPA owns")
    return problems


def check_services(resources: list[Resource]) -> list[str]:
    """Each Service selects pods that exist, on a port their container declares."""
    problems = []
    pods = [r for r in _objects(resources) if r.get("kind") in {"Deployment", "StatefulSet"}]
    for service in (r for r in _objects(resources) if r.get("kind") == "Service"):
        selector = (service.get("spec") or {}).get("selector") or {}
        matches = [
            p
            for p in pods
            if selector.items() <= ((p["spec"]["template"].get("metadata") or {}).get("labels") or {}).items()
        ]
        if not matches:
            problems.append(f"{_name(service)}: selects no pods")
            continue
        ports = {
            value
            for c in pod_spec(matches[0]).get("containers") or []
            for p in c.get("ports") or []
            for value in (p.get("name"), p.get("containerPort"))
        }
        for port in (service.get("spec") or {}).get("ports") or []:
            if port.get("targetPort", port.get("port")) not in ports:
                problems.append(f"{_name(service)}: targetPort {port.get('targetPort')} is no container port")
    return problems


def check_trusted_proxies(resources: list[Resource]) -> list[str]:
    """Each public API reads the client address behind the ingress controller (TRUSTED_PROXY_COUNT ≥ 1)."""
    problems = []
    deployments = {r["metadata"]["name"]: r for r in _objects(resources) if r.get("kind") == "Deployment"}
    for api in sorted(PUBLIC_APIS):
        env = {
            e["name"]: e.get("value")
            for c in pod_spec(deployments.get(api, {})).get("containers") or []
            for e in c.get("env") or []
        }
        if not str(env.get("TRUSTED_PROXY_COUNT") or "").isdigit() or int(env["TRUSTED_PROXY_COUNT"]) < 1:
            problems.append(
                f"Deployment {api}: public behind the ingress, so it needs TRUSTED_PROXY_COUNT ≥ 1"
            )
    return problems


def check_secrets(resources: list[Resource]) -> list[str]:
    """Secret variables come from a Secret, never a literal; the Chroma image matches the client."""
    problems = []
    names = secret_variables()
    for resource in (r for r in _objects(resources) if r.get("kind") in POD_KINDS):
        pod = pod_spec(resource)
        for container in pod.get("containers") or []:
            for entry in container.get("env") or []:
                if entry["name"] in names and "secretKeyRef" not in (entry.get("valueFrom") or {}):
                    problems.append(f"{_name(resource)}: {entry['name']} must come from a Secret")
            image = str(container.get("image", ""))
            if (
                image.startswith("chromadb/chroma")
                and image != f"chromadb/chroma:{locked_version('chromadb')}"
            ):
                problems.append(f"{_name(resource)}: {image} is not the chromadb version in uv.lock")
    for config in (r for r in _objects(resources) if r.get("kind") == "ConfigMap"):
        leaked = names & set(config.get("data") or {})
        problems += [f"{_name(config)}: {n} is a secret; it belongs in a Secret" for n in sorted(leaked)]
    return problems


def check_environment(resources: list[Resource]) -> list[str]:
    """Each variable a container sets is one its image reads (shared ConfigMaps are not checked)."""
    problems = []
    for resource in (r for r in _objects(resources) if r.get("kind") in POD_KINDS):
        for container in pod_spec(resource).get("containers") or []:
            image = str(container.get("image", ""))
            built = built_images().get(image.removeprefix("portfolio/"))
            if not image.startswith("portfolio/") or built is None:
                continue
            sources = _image_sources(built.dockerfile)
            for entry in container.get("env") or []:
                name = entry["name"]
                if name not in THIRD_PARTY_VARIABLES and not reads_variable(name, sources):
                    problems.append(f"{_name(resource)}: {name} is read nowhere in the {built.name} image")
    return problems


ALL_CHECKS = (
    check_schema,
    check_kustomizations,
    check_workloads,
    check_security,
    check_probes,
    check_autoscaling,
    check_services,
    check_trusted_proxies,
    check_secrets,
    check_environment,
)


def check_all(resources: list[Resource]) -> list[str]:
    return [problem for check in ALL_CHECKS for problem in check(resources)]
