"""The Google Cloud deployment files as data: Cloud Run manifests, infrastructure/iam.yaml, the images.

Manifests are kept as parsed dicts (keyed by ``metadata.name``) so a test can break a copy on purpose.
The helpers read the three Cloud Run shapes the same way: a Service (Knative), a WorkerPool and a Job.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr

from portfolio_shared.settings import ServiceSettings
from tests.infra.dockerfile import Dockerfile, Stage
from tests.infra.workspace import ROOT

Manifests = dict[str, dict[str, Any]]
INFRA = ROOT / "infrastructure"
CLOUDRUN = INFRA / "cloudrun"
IAM_FILE = INFRA / "iam.yaml"
ENV_EXAMPLE = INFRA / "production.env.example"
DEPLOY_WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"

#: kind -> (apiVersion, what the deploy workflow calls it)
KINDS = {
    "Service": ("serving.knative.dev/v1", "service"),
    "WorkerPool": ("run.googleapis.com/v1", "worker-pool"),
    "Job": ("run.googleapis.com/v1", "job"),
}
#: The plan's names: the four APIs (probed on /ready and /health).
API_SERVICES = {
    "portfolio-backend": "core",
    "portfolio-scraper": "scraper",
    "portfolio-analytics": "analytics",
    "portfolio-docprocessor": "documents",
}
#: Internal-only services and the public ones.
INTERNAL_SERVICES = {"portfolio-scraper", "portfolio-docprocessor"}
#: Outbox sender -> the Cloud Run service whose identity its deliveries carry.
SENDER_SERVICE = {
    "core": "portfolio-backend",
    "scraper": "portfolio-scraper",
    "documents": "portfolio-docprocessor",
}
SA_SUFFIX = "@${PROJECT_ID}.iam.gserviceaccount.com"
IMAGE_PREFIX = "${REGION}-docker.pkg.dev/${PROJECT_ID}/${ARTIFACT_REPOSITORY}/"
#: `<service>-<project number>.<region>.run.app`: Cloud Run's deterministic URL of a service.
RUN_APP = "https://{name}-${{PROJECT_NUMBER}}.${{REGION}}.run.app"


def load(directory: Path = CLOUDRUN) -> Manifests:
    """Every manifest under ``directory`` by ``metadata.name``; the file's stem must be that name."""
    found: Manifests = {}
    for path in sorted(directory.rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        name = str((doc.get("metadata") or {}).get("name", path.stem))
        found[name] = {**doc, "__file__": path}
    return found


def load_iam(path: Path = IAM_FILE) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def kind(doc: dict[str, Any]) -> str:
    return str(doc.get("kind"))


def annotations(doc: dict[str, Any]) -> dict[str, str]:
    return dict((doc.get("metadata") or {}).get("annotations") or {})


def template_annotations(doc: dict[str, Any]) -> dict[str, str]:
    """Revision (Service, WorkerPool) or execution (Job) annotations."""
    template = (doc.get("spec") or {}).get("template") or {}
    return dict((template.get("metadata") or {}).get("annotations") or {})


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    template = (doc.get("spec") or {}).get("template") or {}
    if kind(doc) == "Job":
        template = (template.get("spec") or {}).get("template") or {}
    return dict(template.get("spec") or {})


def containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return list(pod_spec(doc).get("containers") or [])


def env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(e["name"]): e for e in container.get("env") or []}


def plain_env(doc: dict[str, Any]) -> dict[str, str]:
    """Literal values of every container's environment (secret references left out)."""
    return {
        name: str(entry.get("value", ""))
        for c in containers(doc)
        for name, entry in env(c).items()
        if "valueFrom" not in entry
    }


def secret_refs(doc: dict[str, Any]) -> dict[str, str]:
    """Environment variable -> Secret Manager secret name."""
    refs = {}
    for c in containers(doc):
        for name, entry in env(c).items():
            ref = (entry.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                refs[name] = str(ref.get("name", ""))
    return refs


def service_account(doc: dict[str, Any]) -> str:
    """The account's short name (``portfolio-backend``), or the raw value when it is not ours."""
    email = str(pod_spec(doc).get("serviceAccountName", ""))
    return email.removesuffix(SA_SUFFIX) if email.endswith(SA_SUFFIX) else email


def image_name(container: dict[str, Any]) -> str:
    """``core`` for ``${REGION}-docker.pkg.dev/.../core:${IMAGE_TAG}``."""
    return str(container.get("image", "")).removeprefix(IMAGE_PREFIX).split(":")[0]


def outbox_sender(doc: dict[str, Any]) -> str | None:
    for c in containers(doc):
        argv = [*(c.get("command") or []), *(c.get("args") or [])]
        if "portfolio_shared.outbox" in argv and "--sender" in argv:
            return str(argv[argv.index("--sender") + 1])
    return None


def scale_bounds(doc: dict[str, Any]) -> tuple[int | None, int | None]:
    found = template_annotations(doc)
    low, high = found.get("autoscaling.knative.dev/minScale"), found.get("autoscaling.knative.dev/maxScale")
    return (int(low) if low is not None else None, int(high) if high is not None else None)


# -- what each image is and reads -------------------------------------------------------------------
@dataclass(frozen=True)
class BuiltImage:
    name: str
    dockerfile: Dockerfile
    stage: Stage


@cache
def built_images() -> dict[str, BuiltImage]:
    """Image name -> the Dockerfile stage the deploy workflow builds it from."""
    deploy = yaml.safe_load(DEPLOY_WORKFLOW.read_text())
    images = {}
    for entry in deploy["jobs"]["build"]["strategy"]["matrix"]["include"]:
        context = (ROOT / entry["context"]).resolve()
        dockerfile = Dockerfile((ROOT / entry["dockerfile"]).resolve(), context)
        images[entry["image"]] = BuiltImage(entry["image"], dockerfile, dockerfile.stage(entry["target"]))
    return images


def load_module(path: Path, name: str) -> Any:
    """A Python file outside the workspace packages (core's settings, infrastructure/render.py)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def settings_classes() -> dict[str, type[ServiceSettings]]:
    """Image name -> the settings class its processes read (core's is loaded from its file)."""
    from portfolio_analytics.config import AnalyticsSettings
    from portfolio_documents.config import DocumentsSettings
    from portfolio_scraper.config import ScraperSettings

    core = load_module(ROOT / "backend" / "config" / "env.py", "infra_core_env").CoreSettings
    return {
        "core": core,
        "scraper": ScraperSettings,
        "analytics": AnalyticsSettings,
        "documents": DocumentsSettings,
        "documents-worker": DocumentsSettings,
    }


def required_secrets(settings: type[ServiceSettings]) -> set[str]:
    """Variables of the SecretStr fields with a (development) default: production refuses to start
    while any of them is a placeholder, so each must come from Secret Manager."""
    return {
        str(field.alias or name).upper()
        for name, field in settings.model_fields.items()
        if isinstance(field.default, SecretStr)
    }


def secret_variables() -> set[str]:
    """Every variable that holds a secret, by the settings' own types, plus the database URLs."""
    names = {"DATABASE_URL"}
    for settings in settings_classes().values():
        for name, field in settings.model_fields.items():
            if "SecretStr" in str(field.annotation):
                names.add(str(field.alias or name).upper())
    return names
