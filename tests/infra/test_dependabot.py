""".github/dependabot.yml: valid against Dependabot's schema (check-jsonschema, offline), clean under
zizmor, and covering every pinned dependency we have: the actions of the workflows, uv.lock, the
frontend's package-lock.json, every Dockerfile's base images (written so Dependabot can read them)
and the images of docker-compose.yml."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.infra.dockerfile_checks import dockerfiles
from tests.infra.workspace import ROOT

CONFIG = ROOT / ".github" / "dependabot.yml"


def _directories(update: dict[str, Any]) -> set[str]:
    return {
        str(d).rstrip("/") or "/" for d in [update.get("directory"), *(update.get("directories") or [])] if d
    }


def covered(config: dict[str, Any]) -> dict[str, set[str]]:
    """Ecosystem -> the directories Dependabot watches for it."""
    found: dict[str, set[str]] = {}
    for update in config.get("updates") or []:
        found.setdefault(str(update["package-ecosystem"]), set()).update(_directories(update))
    return found


def check_coverage(config: dict[str, Any], root: Path = ROOT) -> list[str]:
    """What Dependabot would leave unwatched."""
    watched = covered(config)
    wanted: dict[str, set[str]] = {
        "github-actions": {"/"} if list((root / ".github" / "workflows").glob("*.yml")) else set(),
        "uv": {"/"} if (root / "uv.lock").exists() else set(),
        "npm": {"/" + str(p.parent.relative_to(root)) for p in root.glob("*/package-lock.json")},
        "docker": {"/" + str(p.parent.relative_to(root)) for p in dockerfiles(root)},
        "docker-compose": {"/"} if (root / "docker-compose.yml").exists() else set(),
    }
    return [
        f"{ecosystem}: {directory} is not watched"
        for ecosystem, directories in wanted.items()
        for directory in sorted(directories - watched.get(ecosystem, set()))
    ]


def unreadable_bases(root: Path = ROOT) -> list[str]:
    """``FROM`` lines Dependabot cannot update: an image behind a build argument."""
    problems = []
    for path in dockerfiles(root):
        for line in path.read_text().splitlines():
            words = [w for w in line.split() if not w.startswith("--")]
            if len(words) > 1 and words[0].upper() == "FROM" and "$" in words[1]:
                problems.append(f"{path.relative_to(root)}: FROM {words[1]}")
    return problems


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    data = yaml.safe_load(CONFIG.read_text())
    assert isinstance(data, dict)
    return data


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    path = shutil.which(tool)
    assert path, f"{tool} is missing: `uv sync` installs it"
    return subprocess.run([path, *args], capture_output=True, text=True, check=False)


def test_the_config_matches_dependabots_schema(tmp_path: Path) -> None:
    result = _run("check-jsonschema", "--builtin-schema", "vendor.dependabot", str(CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    bad = tmp_path / "dependabot.yml"
    bad.write_text("version: 2\nupdates:\n  - package-ecosystem: uv\n    directory: /\n")  # no schedule
    assert _run("check-jsonschema", "--builtin-schema", "vendor.dependabot", str(bad)).returncode != 0


def test_zizmor_finds_nothing_in_it() -> None:
    result = _run("zizmor", "--offline", "--no-progress", "--color", "never", str(CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_pinned_dependency_is_watched(config: dict[str, Any]) -> None:
    assert check_coverage(config) == []


def test_every_base_image_is_spelled_out_for_dependabot() -> None:
    assert unreadable_bases() == []


def test_a_dockerfile_left_out_is_reported(config: dict[str, Any]) -> None:
    broken = copy.deepcopy(config)
    docker = next(u for u in broken["updates"] if u["package-ecosystem"] == "docker")
    docker["directories"].remove("/services/scraper")
    assert check_coverage(broken) == ["docker: /services/scraper is not watched"]


def test_a_base_behind_a_build_argument_is_reported(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text(
        "ARG BASE=python:3.11-slim\nFROM ${BASE} AS build\nFROM build\n"
    )
    assert unreadable_bases(tmp_path) == ["app/Dockerfile: FROM ${BASE}"]
