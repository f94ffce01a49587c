"""The GitHub workflows: schema (check-jsonschema), security (zizmor, offline), and what they cover."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.infra import workflow_checks as checks
from tests.infra.compose_model import load as load_compose
from tests.infra.dockerfile_checks import UV_IMAGE, python_dockerfiles
from tests.infra.workspace import ROOT, members

WORKFLOWS_DIR = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS_DIR.glob("*.yml"))
CHECK_JSONSCHEMA = shutil.which("check-jsonschema")
ZIZMOR = shutil.which("zizmor")

# A workflow with what zizmor exists to catch: an unpinned third-party action, a checkout that keeps
# the token, an attacker-controlled title expanded into a shell, and no permissions block.
INSECURE = """\
name: insecure
on: pull_request
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: some-owner/some-action@main
      - run: echo "${{ github.event.pull_request.title }}"
"""


@pytest.fixture(scope="module")
def workflows() -> checks.Workflows:
    return checks.load(WORKFLOWS_DIR)


@pytest.fixture
def broken(workflows: checks.Workflows) -> checks.Workflows:
    return copy.deepcopy(workflows)


def _schema(*paths: Path) -> subprocess.CompletedProcess[str]:
    assert CHECK_JSONSCHEMA, "check-jsonschema is missing: `uv sync` installs it"
    command = [CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows", *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def _zizmor(target: Path) -> subprocess.CompletedProcess[str]:
    assert ZIZMOR, "zizmor is missing: `uv sync` installs it"
    # --offline: no GitHub API calls (and no token); the default "regular" persona, every severity.
    command = [ZIZMOR, "--offline", "--no-progress", "--color", "never", str(target)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_the_expected_workflows_exist() -> None:
    names = {p.name for p in FILES}
    assert {"python-service.yml", "frontend.yml", "deploy.yml", "infra.yml"} <= names


def test_workflows_match_the_github_schema() -> None:
    # One run for every file (the tool takes a second to start); its output names a failing file.
    result = _schema(*FILES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("name: bad\non: push\njobs:\n  build:\n    steps:\n      - run: true\n")  # no runs-on
    assert _schema(bad).returncode != 0


def test_zizmor_finds_nothing() -> None:
    result = _zizmor(WORKFLOWS_DIR)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_flags_an_insecure_workflow(tmp_path: Path) -> None:
    (tmp_path / "insecure.yml").write_text(INSECURE)
    result = _zizmor(tmp_path / "insecure.yml")
    assert result.returncode != 0
    for audit in ("artipacked", "unpinned-uses", "template-injection", "excessive-permissions"):
        assert audit in result.stdout, audit


@pytest.mark.parametrize(
    "check",
    [
        lambda w: checks.check_pinned_actions({p.name: p.read_text() for p in FILES}, w),
        checks.check_permissions,
        lambda w: checks.check_service_workflows(w, members()),
        checks.check_frontend_workflow,
        lambda w: checks.check_deploy(w, load_compose(ROOT / "docker-compose.yml"), ROOT),
    ],
    ids=["pinned", "permissions", "services", "frontend", "deploy"],
)
def test_workflows_pass(check: Any, workflows: checks.Workflows) -> None:
    assert check(workflows) == []


def test_ci_installs_the_uv_the_images_use(workflows: checks.Workflows) -> None:
    images = {UV_IMAGE.search(p.read_text()).group(1) for p in python_dockerfiles(ROOT)}  # type: ignore[union-attr]
    assert checks.setup_uv_versions(workflows) == images
    assert len(images) == 1


# -- each check notices what it is there for --------------------------------------------------------
def test_tag_pinned_action_is_reported(broken: checks.Workflows) -> None:
    broken["frontend.yml"]["jobs"]["frontend"]["steps"][0]["uses"] = "actions/checkout@v7"
    texts = {p.name: p.read_text() for p in FILES}
    assert "frontend.yml: actions/checkout@v7 is not pinned to a commit SHA" in checks.check_pinned_actions(
        texts, broken
    )


def test_missing_permissions_and_stray_oidc_are_reported(broken: checks.Workflows) -> None:
    del broken["core.yml"]["permissions"]
    broken["python-service.yml"]["jobs"]["lint-and-test"]["permissions"] = {"id-token": "write"}
    del broken["deploy.yml"]["jobs"]["deploy"]["environment"]
    problems = checks.check_permissions(broken)
    assert "core.yml: no top-level permissions (the default token may write)" in problems
    assert "python-service.yml: job lint-and-test can mint OIDC tokens but does not deploy" in problems
    assert "deploy.yml: job deploy gets cloud credentials outside an environment" in problems


def test_service_without_workflow_or_path_filter_is_reported(broken: checks.Workflows) -> None:
    del broken["analytics.yml"]
    scraper_push = checks.triggers(broken["scraper.yml"])["push"]
    scraper_push["paths"] = [p for p in scraper_push["paths"] if p != "services/shared/**"]
    broken["python-service.yml"]["jobs"]["lint-and-test"]["services"].pop("redis")
    problems = checks.check_service_workflows(broken, members())
    assert "no workflow lints and tests services/analytics" in problems
    assert "scraper.yml: push ignores changes to services/shared/**" in problems
    assert "python-service.yml: no redis service container on port 6379" in problems


def test_frontend_workflow_without_tests_is_reported(broken: checks.Workflows) -> None:
    steps = broken["frontend.yml"]["jobs"]["frontend"]["steps"]
    broken["frontend.yml"]["jobs"]["frontend"]["steps"] = [s for s in steps if s.get("run") != "npm test"]
    assert "frontend.yml: never runs `npm test`" in checks.check_frontend_workflow(broken)


def test_deploy_gaps_are_reported(broken: checks.Workflows) -> None:
    deploy = broken["deploy.yml"]
    deploy["jobs"]["build"]["strategy"]["matrix"]["include"] = [
        e
        for e in deploy["jobs"]["build"]["strategy"]["matrix"]["include"]
        if e["image"] != "documents-worker"
    ]
    deploy["jobs"]["migrate"]["strategy"]["matrix"]["include"].pop(1)  # scraper
    auth = next(s for s in deploy["jobs"]["deploy"]["steps"] if "auth@" in s.get("uses", ""))
    auth["with"] = {"credentials_json": "${{ secrets.KEY }}"}
    problems = checks.check_deploy(broken, load_compose(ROOT / "docker-compose.yml"), ROOT)
    assert any("no image for compose service worker" in p for p in problems)
    assert (
        "deploy.yml: never runs scraper-migrate's `python -m portfolio_scraper.migrate` before rolling out"
        in (problems)
    )
    assert "deploy.yml: google auth must use Workload Identity Federation, not a key" in problems


def test_background_process_missing_from_cloud_run_is_reported(broken: checks.Workflows) -> None:
    pools = broken["deploy.yml"]["jobs"]["deploy"]["strategy"]["matrix"]["include"]
    broken["deploy.yml"]["jobs"]["deploy"]["strategy"]["matrix"]["include"] = [
        e for e in pools if e["name"] != "portfolio-scraper-outbox"
    ]
    problems = checks.check_deploy(broken, load_compose(ROOT / "docker-compose.yml"), ROOT)
    assert any(p.startswith("deploy.yml: deploys nothing like compose's scraper-outbox") for p in problems)
