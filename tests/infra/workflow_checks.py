"""The GitHub workflows checked against the workspace, the compose file and the Dockerfiles.

Each ``check_*`` function takes parsed workflows (file name -> dict, so a test can break a copy) and
returns a list of problems; empty means the check passes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tests.infra.compose_model import command_argv, image, one_shot_services
from tests.infra.workspace import Member

Workflows = dict[str, dict[str, Any]]
REUSABLE = "python-service.yml"
PINNED_USES = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def load(directory: Path) -> Workflows:
    return {p.name: yaml.safe_load(p.read_text()) for p in sorted(directory.glob("*.yml"))}


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as the boolean True.
    on = workflow.get("on", workflow.get(True)) or {}
    return {name: None for name in on} if isinstance(on, list) else dict(on)


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow.get("jobs", {}).values() for step in job.get("steps", [])]


def _all_uses(workflow: dict[str, Any]) -> list[str]:
    jobs = workflow.get("jobs", {}).values()
    return [j["uses"] for j in jobs if "uses" in j] + [s["uses"] for s in _steps(workflow) if "uses" in s]


def check_pinned_actions(texts: dict[str, str], workflows: Workflows) -> list[str]:
    """Third-party actions are pinned to a full commit SHA, with the version in a comment."""
    problems = []
    for name, workflow in workflows.items():
        for uses in _all_uses(workflow):
            if uses.startswith(("$/", "./")):
                continue
            if not PINNED_USES.match(uses):
                problems.append(f"{name}: {uses} is not pinned to a commit SHA")
            elif not re.search(rf"{re.escape(uses)} # v\d", texts[name]):
                problems.append(f"{name}: {uses} has no `# vX.Y.Z` comment naming the version")
    return problems


def check_permissions(workflows: Workflows) -> list[str]:
    problems = []
    for name, workflow in workflows.items():
        if "permissions" not in workflow:
            problems.append(f"{name}: no top-level permissions (the default token may write)")
        top = workflow.get("permissions") or {}
        if top == "write-all" or (isinstance(top, dict) and "write" in top.values()):
            problems.append(f"{name}: top-level permissions grant write access")
        for job_name, job in workflow.get("jobs", {}).items():
            permissions = job.get("permissions") or {}
            if isinstance(permissions, dict) and permissions.get("id-token") == "write":
                if name != "deploy.yml":
                    problems.append(f"{name}: job {job_name} can mint OIDC tokens but does not deploy")
                elif "environment" not in job:
                    problems.append(f"{name}: job {job_name} gets cloud credentials outside an environment")
        for step in _steps(workflow):
            uses = step.get("uses", "")
            if uses.startswith("actions/checkout@") and (step.get("with") or {}).get("persist-credentials"):
                problems.append(f"{name}: checkout keeps the token in .git (persist-credentials)")
    return problems


def _callers(workflows: Workflows) -> dict[str, tuple[str, dict[str, Any]]]:
    """Member path -> (workflow file, workflow) of each caller of the reusable workflow."""
    found = {}
    for name, workflow in workflows.items():
        for job in workflow.get("jobs", {}).values():
            if str(job.get("uses", "")).endswith(f".github/workflows/{REUSABLE}"):
                found[str(job["with"]["path"])] = (name, workflow)
    return found


def check_service_workflows(workflows: Workflows, members: dict[str, Member]) -> list[str]:
    """Each member is linted and tested when it, a workspace member it needs or the lock file changes."""
    problems = []
    callers = _callers(workflows)
    by_name = {m.name: m for m in members.values()}
    for member in members.values():
        if member.path not in callers:
            problems.append(f"no workflow lints and tests {member.path}")
            continue
        name, workflow = callers[member.path]
        needed = {f"{member.path}/**", "uv.lock"} | {f"{by_name[d].path}/**" for d in member.dependencies}
        for event in ("push", "pull_request"):
            spec = triggers(workflow).get(event) or {}
            missing = needed - set(spec.get("paths", needed))
            if event not in triggers(workflow):
                problems.append(f"{name}: does not run on {event}")
            elif missing:
                problems.append(f"{name}: {event} ignores changes to {', '.join(sorted(missing))}")
    reusable = workflows.get(REUSABLE)
    if reusable is None:
        return [*problems, f"{REUSABLE} is missing"]
    (job,) = reusable["jobs"].values()
    services = job.get("services", {})
    for service, port in (("postgres", 5432), ("redis", 6379)):
        ports = (services.get(service) or {}).get("ports", [])
        if not any(str(p).startswith(f"{port}:") for p in ports):
            problems.append(f"{REUSABLE}: no {service} service container on port {port}")
    commands = " ".join(str(s.get("run", "")) for s in job.get("steps", []))
    for needed_command in ("uv sync --frozen", "ruff check", "ruff format --check", "pytest"):
        if needed_command not in commands:
            problems.append(f"{REUSABLE}: never runs `{needed_command}`")
    return problems


def check_frontend_workflow(workflows: Workflows) -> list[str]:
    workflow = workflows.get("frontend.yml")
    if workflow is None:
        return ["frontend.yml is missing"]
    problems = []
    for event in ("push", "pull_request"):
        if "frontend/**" not in (triggers(workflow).get(event) or {}).get("paths", []):
            problems.append(f"frontend.yml: {event} is not filtered on frontend/**")
    commands = [str(s.get("run", "")) for s in _steps(workflow)]
    for script in ("npm ci", "npm run lint", "npm run typecheck", "npm test", "npm run build"):
        if not any(c.startswith(script) for c in commands):
            problems.append(f"frontend.yml: never runs `{script}`")
    return problems


def _matrix(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    return list(workflow["jobs"][job]["strategy"]["matrix"]["include"])


def check_deploy(workflows: Workflows, compose: dict[str, Any], root: Path) -> list[str]:
    """Every image compose builds is built and deployed; its migrations run first; keyless auth."""
    deploy = workflows.get("deploy.yml")
    if deploy is None:
        return ["deploy.yml is missing"]
    problems = []
    on = triggers(deploy)
    if "main" not in ((on.get("push") or {}).get("branches") or []) or "workflow_dispatch" not in on:
        problems.append("deploy.yml: must run on push to main and on manual dispatch")
    for step in _steps(deploy):
        if str(step.get("uses", "")).startswith("google-github-actions/auth@"):
            given = step.get("with") or {}
            keyless = {"workload_identity_provider", "service_account"} <= set(given)
            if "credentials_json" in given or not keyless:
                problems.append("deploy.yml: google auth must use Workload Identity Federation, not a key")

    built = {(e["dockerfile"], e["target"]): e["image"] for e in _matrix(deploy, "build")}
    for name, service in compose["services"].items():
        produced = image(service, root)
        if produced is None:
            continue
        key = (produced.dockerfile.path.relative_to(root).as_posix(), produced.stage.name)
        if key not in built:
            problems.append(f"deploy.yml: builds no image for compose service {name} ({key[0]}, {key[1]})")
    # Every long-running compose process runs on Cloud Run too, from the same image, same command.
    deployed = {
        (e["image"], " ".join([e["command"], *e["args"].split(",")]) if e.get("command") else "")
        for e in _matrix(deploy, "deploy")
    }
    one_shot = one_shot_services(compose)
    for name, service in compose["services"].items():
        produced = image(service, root)
        if produced is None or name in one_shot:
            continue
        key = (produced.dockerfile.path.relative_to(root).as_posix(), produced.stage.name)
        process = (built.get(key), " ".join(command_argv(service.get("command"))))
        if process not in deployed:
            problems.append(f"deploy.yml: deploys nothing like compose's {name} {process}")

    migrations = {
        (e["image"], " ".join([e["command"], *e["args"].split(",")])) for e in _matrix(deploy, "migrate")
    }
    for name in sorted(one_shot_services(compose)):
        service = compose["services"][name]
        produced = image(service, root)
        if produced is None:
            continue
        key = (produced.dockerfile.path.relative_to(root).as_posix(), produced.stage.name)
        run = (built.get(key), " ".join(command_argv(service.get("command"))))
        if run not in migrations:
            problems.append(f"deploy.yml: never runs {name}'s `{run[1]}` before rolling out")
    jobs = deploy["jobs"]
    if jobs["deploy"].get("needs") != "migrate" or jobs["migrate"].get("needs") != "build":
        problems.append("deploy.yml: the order must be build -> migrate -> deploy")
    return problems


def setup_uv_versions(workflows: Workflows) -> set[str]:
    return {
        str((s.get("with") or {}).get("version"))
        for w in workflows.values()
        for s in _steps(w)
        if str(s.get("uses", "")).startswith("astral-sh/setup-uv@")
    }
