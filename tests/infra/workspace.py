"""The uv workspace as the infrastructure tests see it: members, their names and workspace dependencies."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: DESIGN.md's port table, the published (host) port of each compose service.
DESIGN_PORTS = {
    "core": 8000,
    "scraper": 8001,
    "analytics": 8002,
    "document-processor": 8003,
    "chroma": 8004,
    "frontend": 5173,
}

#: DESIGN.md: one database per service.
DESIGN_DATABASES = {
    "core": "portfolio_core",
    "scraper": "portfolio_scraper",
    "document-processor": "portfolio_documents",
}


@dataclass(frozen=True)
class Member:
    path: str  # directory relative to the repository root
    name: str  # distribution name, e.g. portfolio-scraper
    is_package: bool  # False for a virtual member (`[tool.uv] package = false`)
    dependencies: frozenset[str]  # names of the workspace members it depends on directly


def _requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
    return match.group(0).lower().replace("_", "-") if match else ""


def members(root: Path = ROOT) -> dict[str, Member]:
    """Every workspace member of ``root``'s pyproject.toml, by distribution name."""
    config = tomllib.loads((root / "pyproject.toml").read_text())
    paths = config["tool"]["uv"]["workspace"]["members"]
    projects = {p: tomllib.loads((root / p / "pyproject.toml").read_text()) for p in paths}
    names = {p: projects[p]["project"]["name"] for p in paths}
    workspace_names = set(names.values())
    found = {}
    for p, project in projects.items():
        requirements = {_requirement_name(r) for r in project["project"].get("dependencies", [])}
        found[names[p]] = Member(
            path=p,
            name=names[p],
            is_package=project.get("tool", {}).get("uv", {}).get("package", True),
            dependencies=frozenset(requirements & workspace_names),
        )
    return found


def closure(name: str, all_members: dict[str, Member]) -> set[str]:
    """``name`` and every workspace member it needs, transitively."""
    needed, pending = set(), [name]
    while pending:
        current = pending.pop()
        if current not in needed:
            needed.add(current)
            pending.extend(all_members[current].dependencies)
    return needed


def locked_version(package: str, root: Path = ROOT) -> str:
    """The version of ``package`` pinned in uv.lock."""
    lock = tomllib.loads((root / "uv.lock").read_text())
    for entry in lock["package"]:
        if entry["name"] == package:
            return str(entry["version"])
    raise KeyError(package)
