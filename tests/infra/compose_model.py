"""docker-compose.yml as data: the compose syntax our file uses, read the way the engine reads it."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.infra.dockerfile import Dockerfile, Stage

#: Ports of the third-party images, inside their containers.
IMAGE_PORTS = {"postgres": 5432, "redis": 6379, "chromadb/chroma": 8000}


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), f"{path} is not a mapping"
    return data


_INTERPOLATION = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")


def interpolate(value: Any) -> str:
    """A compose value as the engine would see it with no ``.env``: defaults applied, ``$$`` unescaped."""
    text = "" if value is None else str(value)
    return _INTERPOLATION.sub(lambda m: m.group(2) or "", text).replace("$$", "$")


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): interpolate(v) for k, v in env.items()}


def build_args(service: dict[str, Any]) -> dict[str, str]:
    build = service.get("build")
    args = build.get("args", {}) if isinstance(build, dict) else {}
    if isinstance(args, list):
        args = dict(item.split("=", 1) for item in args)
    return {str(k): interpolate(v) for k, v in args.items()}


def port_mappings(service: dict[str, Any]) -> list[tuple[int | None, int]]:
    """(published host port or None, container port) of every ``ports`` entry."""
    mappings: list[tuple[int | None, int]] = []
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            published = entry.get("published")
            mappings.append((int(interpolate(published)) if published else None, int(entry["target"])))
            continue
        parts = interpolate(entry).split("/")[0].split(":")
        mappings.append((int(parts[-2]) if len(parts) >= 2 else None, int(parts[-1])))
    return mappings


def volume_mounts(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(source, container path) of every ``volumes`` entry; a bind source starts with . or /."""
    mounts = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            mounts.append((str(entry.get("source", "")), str(entry["target"])))
        else:
            source, target, *_ = [*interpolate(entry).split(":"), ""]
            mounts.append((source, target))
    return mounts


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def one_shot_services(compose: dict[str, Any]) -> set[str]:
    """Services others wait for to *finish* (migrations)."""
    return {
        target
        for service in compose["services"].values()
        for target, condition in depends_on(service).items()
        if condition == "service_completed_successfully"
    }


@dataclass(frozen=True)
class Image:
    """What a service's ``build`` section produces."""

    context: Path
    dockerfile: Dockerfile
    stage: Stage


@cache
def parse_dockerfile(path: Path, context: Path) -> Dockerfile:
    return Dockerfile(path, context)


def image(service: dict[str, Any], root: Path) -> Image | None:
    """The parsed Dockerfile stage a service builds, or None (an image service, or a broken build)."""
    build = service.get("build")
    if build is None:
        return None
    if isinstance(build, str):
        build = {"context": build}
    context = (root / build.get("context", ".")).resolve()
    path = context / build.get("dockerfile", "Dockerfile")
    if not path.is_file():
        return None
    dockerfile = parse_dockerfile(path, context)
    try:
        return Image(context, dockerfile, dockerfile.stage(build.get("target")))
    except KeyError:
        return None


def container_ports(name: str, service: dict[str, Any], root: Path) -> set[int]:
    built = image(service, root)
    ports = {container for _, container in port_mappings(service)}
    ports |= {int(str(p).split("/")[0]) for p in service.get("expose") or []}
    if built is not None:
        ports |= built.dockerfile.exposed_ports(built.stage)
    for prefix, port in IMAGE_PORTS.items():
        if str(service.get("image", "")).split(":")[0] == prefix:
            ports.add(port)
    return ports


def command_argv(command: Any) -> list[str]:
    if command is None:
        return []
    return [str(c) for c in command] if isinstance(command, list) else shlex.split(str(command))


def service_command(service: dict[str, Any], root: Path) -> list[str]:
    """The argv the service's container runs: its ``command`` or its image's CMD."""
    if service.get("command") is not None:
        return command_argv(service["command"])
    built = image(service, root)
    return (built.dockerfile.cmd(built.stage) or []) if built else []
