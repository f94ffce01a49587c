"""Fill in the deployment files' ``${NAME}`` placeholders and print the IAM commands (docs/deployment.md).

    python infrastructure/render.py --env infrastructure/production.env manifests [--out DIR]
    python infrastructure/render.py --env infrastructure/production.env iam accounts   # before deploying
    python infrastructure/render.py --env infrastructure/production.env iam invokers   # after deploying

``manifests`` writes a copy of infrastructure/cloudrun, scheduler and monitoring with every
placeholder replaced (default ``.data/infrastructure``), ready for ``gcloud run services replace``,
``gcloud beta run worker-pools replace``, ``gcloud run jobs replace`` and ``gcloud scheduler jobs
create http --flags-file``. ``iam`` prints the gcloud commands that give each service account of
infrastructure/iam.yaml its rights; pipe them to ``bash``.

Values come from the ``--env`` file (``NAME=value`` lines, see production.env.example); a variable of
the process environment with the same name wins. Only ``${NAME}`` with an upper-case name is a
placeholder; a missing value stops the script, so nothing is deployed half-filled. Standard library
plus PyYAML (a dev dependency of the workspace).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: The directories whose YAML files are deployment manifests (relative to infrastructure/).
MANIFEST_DIRS = ("cloudrun", "scheduler", "monitoring")
PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


class MissingValuesError(ValueError):
    """Some placeholders have no value."""


def read_env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines; blank lines and ``#`` comments are skipped, quotes are not special."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def substitute(text: str, values: Mapping[str, str]) -> str:
    """``text`` with every placeholder replaced; :class:`MissingValuesError` names the missing ones."""
    missing = sorted(name for name in placeholders(text) if not values.get(name))
    if missing:
        raise MissingValuesError(f"no value for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def manifest_files(base: Path = HERE) -> list[Path]:
    return sorted(p for d in MANIFEST_DIRS for p in (base / d).rglob("*.yaml"))


def render_manifests(values: Mapping[str, str], out: Path, base: Path = HERE) -> list[Path]:
    """Write every manifest under ``out`` with its placeholders filled; return the written paths."""
    written = []
    for source in manifest_files(base):
        target = out / source.relative_to(base)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = substitute(source.read_text(), values)
        yaml.safe_load(text)  # a value that breaks the YAML stops here, not in gcloud
        target.write_text(text)
        written.append(target)
    return written


def _email(account: str, project: str) -> str:
    return f"{account}@{project}.iam.gserviceaccount.com"


def _grant(resource: list[str], member: str, role: str) -> list[str]:
    return ["gcloud", *resource, "--member", member, "--role", role]


def iam_commands(iam: dict[str, Any], values: Mapping[str, str], stage: str) -> Iterator[list[str]]:
    """gcloud argv lists: ``accounts`` (accounts, project roles, secrets, bucket) or ``invokers``."""
    project, region = values["PROJECT_ID"], values["REGION"]
    for name, spec in iam["service_accounts"].items():
        member = f"serviceAccount:{_email(name, project)}"
        if stage == "accounts":
            create = ["iam", "service-accounts", "create", name, "--project", project]
            yield ["gcloud", *create, "--display-name", str(spec.get("description", name))[:100]]
            for role in spec.get("roles", []):
                binding = ["projects", "add-iam-policy-binding", project, "--condition", "None", "--quiet"]
                yield _grant(binding, member, role)
            for secret in spec.get("secrets", []):
                binding = ["secrets", "add-iam-policy-binding", secret, "--project", project]
                yield _grant(binding, member, "roles/secretmanager.secretAccessor")
            if spec.get("bucket"):
                bucket = f"gs://{values['UPLOADS_BUCKET']}"
                yield _grant(["storage", "buckets", "add-iam-policy-binding", bucket], member, spec["bucket"])
        else:
            for service in spec.get("invokes", []):
                yield _grant(_run_binding(service, project, region), member, "roles/run.invoker")
    if stage == "invokers":
        for service in iam.get("public_services", []):
            yield _grant(_run_binding(service, project, region), "allUsers", "roles/run.invoker")
        for service, agents in (iam.get("service_agent_invokers") or {}).items():
            for agent in agents:
                binding = _run_binding(service, project, region)
                yield _grant(binding, f"serviceAccount:{agent}", "roles/run.invoker")


def _run_binding(service: str, project: str, region: str) -> list[str]:
    return ["run", "services", "add-iam-policy-binding", service, "--project", project, "--region", region]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python infrastructure/render.py", description="Render deployment files."
    )
    parser.add_argument("--env", type=Path, help="a NAME=value file (infrastructure/production.env.example)")
    commands = parser.add_subparsers(dest="command", required=True)
    render = commands.add_parser("manifests", help="write the manifests with their placeholders filled")
    render.add_argument("--out", type=Path, default=ROOT / ".data" / "infrastructure")
    iam = commands.add_parser("iam", help="print the gcloud commands of infrastructure/iam.yaml")
    iam.add_argument("stage", choices=("accounts", "invokers"))
    args = parser.parse_args(argv)

    values = {**(read_env_file(args.env) if args.env else {}), **os.environ}
    try:
        if args.command == "manifests":
            for path in render_manifests(values, args.out):
                print(path)
        else:
            spec = yaml.safe_load(substitute((HERE / "iam.yaml").read_text(), values))
            for command in iam_commands(spec, values, args.stage):
                print(shlex.join(command))
    except MissingValuesError as exc:
        print(f"render.py: {exc} (set them in --env or the environment)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
