"""The Google Cloud deployment: Cloud Run manifests, iam.yaml, the placeholders and the Chroma VM.

No Google Cloud account here: the files are parsed and every reference followed into the code (the
settings each image reads, the ports it exposes, the deploy workflow). Each check first runs on the
real files, then on a copy broken on purpose, to prove it would notice.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.infra import cloudrun_checks as checks
from tests.infra import cloudrun_model as m
from tests.infra.compose_model import load as load_compose
from tests.infra.workspace import ROOT, locked_version

RENDER = ROOT / "infrastructure" / "render.py"
render = m.load_module(RENDER, "infra_render")


def _deployment_files() -> list[Path]:
    return list(render.manifest_files())


def _placeholders(path: Path) -> set[str]:
    return set(render.placeholders(path.read_text()))


def _read_env(path: Path) -> dict[str, str]:
    return dict(render.read_env_file(path))


@pytest.fixture
def broken(manifests: m.Manifests) -> m.Manifests:
    return copy.deepcopy(manifests)


def _container(manifests: m.Manifests, name: str) -> dict[str, Any]:
    return m.containers(manifests[name])[0]


def _set_env(manifests: m.Manifests, name: str, variable: str, value: str) -> None:
    container = _container(manifests, name)
    container["env"] = [e for e in container["env"] if e["name"] != variable] + [
        {"name": variable, "value": value}
    ]


@pytest.mark.parametrize("check", checks.ALL_CHECKS, ids=lambda c: c.__name__)
def test_cloud_run_manifests_pass(check: Any, manifests: m.Manifests, iam: dict[str, Any]) -> None:
    assert check(manifests, iam) == []


def test_every_placeholder_has_an_example_value_and_renders(tmp_path: Path) -> None:
    example = m.ENV_EXAMPLE
    used: set[str] = set().union(*(_placeholders(p) for p in [*_deployment_files(), m.IAM_FILE]))
    documented = set(_read_env(example))
    assert used == documented, f"used only: {used - documented}; documented only: {documented - used}"
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, str(RENDER), "--env", str(example), "manifests", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rendered = sorted(out.rglob("*.yaml"))
    assert len(rendered) == len(_deployment_files())
    for path in rendered:
        text = path.read_text()
        assert "${" not in text, path
        assert yaml.safe_load(text)


def test_render_refuses_a_missing_value(tmp_path: Path) -> None:
    env = tmp_path / "partial.env"
    env.write_text(
        "\n".join(line for line in m.ENV_EXAMPLE.read_text().splitlines() if "SQL_INSTANCE" not in line)
    )
    result = subprocess.run(
        [sys.executable, str(RENDER), "--env", str(env), "manifests", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert "SQL_INSTANCE" in result.stderr


def test_iam_commands_grant_what_iam_yaml_says() -> None:
    result = subprocess.run(
        [sys.executable, str(RENDER), "--env", str(m.ENV_EXAMPLE), "iam", "invokers"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    lines = result.stdout.splitlines()
    scheduler = "serviceAccount:portfolio-scheduler@my-portfolio-project.iam.gserviceaccount.com"
    assert any("add-iam-policy-binding portfolio-scraper" in line and scheduler in line for line in lines)
    assert not any("allUsers" in line and "portfolio-scraper" in line for line in lines)


def test_chroma_vm_runs_the_locked_image_on_its_disk() -> None:
    text = (ROOT / "infrastructure" / "chroma" / "cloud-init.yaml").read_text()
    assert text.startswith("#cloud-config\n")
    config = yaml.safe_load(text)
    units = {f["path"]: f["content"] for f in config["write_files"]}
    service = units["/etc/systemd/system/chroma.service"]
    assert f"chromadb/chroma:{locked_version('chromadb')}" in service
    # The same data directory as docker-compose.yml's chroma volume, on the mounted persistent disk.
    compose = load_compose(ROOT / "docker-compose.yml")
    data_dir = compose["services"]["chroma"]["volumes"][0].split(":")[1]
    assert f"--volume /mnt/disks/chroma:{data_dir}" in service
    assert f"--path {data_dir}" in service
    assert "Where=/mnt/disks/chroma" in units["/etc/systemd/system/mnt-disks-chroma.mount"]
    # The port the document processor's CHROMA_URL names.
    urls = {m.plain_env(d).get("CHROMA_URL") for d in m.load().values()} - {None}
    assert urls == {"http://${CHROMA_HOST}:8000"}
    # There the token check listens; Chroma itself only on loopback (tests/infra/test_chroma_auth_proxy.py).
    assert "--env CHROMA_PROXY_PORT=8000" in units["/etc/systemd/system/chroma-proxy.service"]


# -- each check notices what it is there for --------------------------------------------------------
def test_a_missing_startup_probe_in_a_file_is_reported(tmp_path: Path, iam: dict[str, Any]) -> None:
    copy_dir = tmp_path / "cloudrun"
    shutil.copytree(m.CLOUDRUN, copy_dir)
    path = copy_dir / "portfolio-analytics.yaml"
    doc = yaml.safe_load(path.read_text())
    del doc["spec"]["template"]["spec"]["containers"][0]["startupProbe"]
    path.write_text(yaml.safe_dump(doc))
    assert "portfolio-analytics: no startupProbe (HTTP)" in checks.check_probes(m.load(copy_dir), iam)


def test_wrong_probe_path_or_port_is_reported(broken: m.Manifests, iam: dict[str, Any]) -> None:
    _container(broken, "portfolio-scraper")["livenessProbe"]["httpGet"]["path"] = "/ready"
    _container(broken, "portfolio-docprocessor")["startupProbe"]["httpGet"]["port"] = 8080
    problems = checks.check_probes(broken, iam)
    assert "portfolio-scraper: livenessProbe checks '/ready', not /health" in problems
    assert "portfolio-docprocessor: startupProbe calls port 8080, the container listens on 8003" in problems


def test_a_literal_or_missing_secret_is_reported(broken: m.Manifests, iam: dict[str, Any]) -> None:
    _set_env(broken, "portfolio-backend", "DJANGO_SECRET_KEY", "hunter2")
    worker = _container(broken, "portfolio-worker")
    worker["env"] = [e for e in worker["env"] if e["name"] != "WEBHOOK_SECRETS_DOCUMENTS"]
    problems = checks.check_secrets(broken, iam)
    assert "portfolio-backend: DJANGO_SECRET_KEY is a literal; secrets come from Secret Manager" in problems
    assert "portfolio-worker: production refuses to start without WEBHOOK_SECRETS_DOCUMENTS" in problems


def test_public_scraper_or_wrong_invokers_are_reported(broken: m.Manifests, iam: dict[str, Any]) -> None:
    broken["portfolio-scraper"]["metadata"]["annotations"]["run.googleapis.com/ingress"] = "all"
    wider = copy.deepcopy(iam)
    wider["service_accounts"]["portfolio-analytics"]["invokes"] = ["portfolio-docprocessor"]
    problems = checks.check_ingress(broken, wider)
    assert "portfolio-scraper: ingress 'all'; it must be internal" in problems
    assert any(p.startswith("portfolio-docprocessor: invokers") for p in problems)


def test_missing_session_affinity_is_reported(broken: m.Manifests, iam: dict[str, Any]) -> None:
    del broken["portfolio-analytics"]["spec"]["template"]["metadata"]["annotations"][
        "run.googleapis.com/sessionAffinity"
    ]
    assert any("session affinity" in p for p in checks.check_ingress(broken, iam))


def test_a_public_api_without_trusted_proxy_count_is_reported(
    broken: m.Manifests, iam: dict[str, Any]
) -> None:
    container = _container(broken, "portfolio-analytics")
    container["env"] = [e for e in container["env"] if e["name"] != "TRUSTED_PROXY_COUNT"]
    _set_env(broken, "portfolio-backend", "TRUSTED_PROXY_COUNT", "0")
    assert checks.check_trusted_proxies(broken, iam) == [
        "portfolio-analytics: public behind Cloud Run's front end, so TRUSTED_PROXY_COUNT must be 1",
        "portfolio-backend: public behind Cloud Run's front end, so TRUSTED_PROXY_COUNT must be 1",
    ]


def test_worker_without_an_instance_or_throttled_scraper_is_reported(
    broken: m.Manifests, iam: dict[str, Any]
) -> None:
    broken["portfolio-worker"]["metadata"]["annotations"]["run.googleapis.com/manualInstanceCount"] = "0"
    del broken["portfolio-scraper"]["spec"]["template"]["metadata"]["annotations"][
        "run.googleapis.com/cpu-throttling"
    ]
    problems = checks.check_scaling(broken, iam)
    assert "portfolio-worker: a worker pool needs manual scaling with at least 1 instance" in problems
    assert any(p.startswith("portfolio-scraper: jobs run in-process") for p in problems)


def test_shared_or_unknown_service_account_is_reported(broken: m.Manifests, iam: dict[str, Any]) -> None:
    broken["portfolio-analytics"]["spec"]["template"]["spec"]["serviceAccountName"] = (
        "portfolio-backend@${PROJECT_ID}.iam.gserviceaccount.com"
    )
    broken["portfolio-frontend"]["spec"]["template"]["spec"]["serviceAccountName"] = "default"
    problems = checks.check_service_accounts(broken, iam)
    assert any("shares service account portfolio-backend" in p for p in problems)
    assert "portfolio-frontend: service account 'default' is not one of infrastructure/iam.yaml" in problems


def test_secret_granted_but_unused_is_reported(manifests: m.Manifests, iam: dict[str, Any]) -> None:
    wider = copy.deepcopy(iam)
    wider["service_accounts"]["portfolio-analytics"]["secrets"].append("portfolio-django-secret-key")
    del wider["service_accounts"]["portfolio-worker"]["bucket"]
    problems = checks.check_least_privilege(manifests, wider)
    assert (
        "portfolio-analytics: is granted secret portfolio-django-secret-key that none of its workloads reads"
        in problems
    )
    assert "portfolio-worker: bucket use (True) and its bucket role disagree" in problems


def test_unknown_variable_and_development_values_are_reported(
    broken: m.Manifests, iam: dict[str, Any]
) -> None:
    _set_env(broken, "portfolio-analytics", "ANALYTICS_TURBO", "1")
    _set_env(broken, "portfolio-scraper", "SCRAPE_SCHEDULE", "0 2 * * *")
    _set_env(broken, "portfolio-docprocessor", "SERVICE_AUTH_MODE", "token")
    problems = checks.check_environment(broken, iam)
    assert "portfolio-analytics: ANALYTICS_TURBO is read nowhere in the analytics image" in problems
    assert 'portfolio-scraper: SCRAPE_SCHEDULE must be "" (Cloud Scheduler starts the scrape)' in problems
    assert "portfolio-docprocessor: SERVICE_AUTH_MODE must be oidc on Cloud Run" in problems


def test_wrong_peer_url_or_probe_host_is_reported(broken: m.Manifests, iam: dict[str, Any]) -> None:
    _set_env(broken, "portfolio-core-outbox", "DOCUMENTS_URL", "https://portfolio-documents.example")
    _set_env(broken, "portfolio-backend", "ALLOWED_HOSTS", "${CORE_DOMAIN}")
    problems = checks.check_urls(broken, iam)
    assert any(p.startswith("portfolio-core-outbox: DOCUMENTS_URL=") for p in problems)
    assert (
        "portfolio-backend: ALLOWED_HOSTS lacks portfolio-backend-${PROJECT_NUMBER}.${REGION}.run.app"
        in problems
    )


def test_image_or_deploy_workflow_mismatch_is_reported(broken: m.Manifests, iam: dict[str, Any]) -> None:
    _container(broken, "portfolio-worker")["image"] = m.IMAGE_PREFIX + "worker:${IMAGE_TAG}"
    _container(broken, "portfolio-scraper-outbox")["args"] = [
        "-m",
        "portfolio_shared.outbox",
        "--sender",
        "core",
    ]
    del broken["portfolio-frontend"]
    problems = checks.check_images(broken, iam)
    assert "portfolio-worker: image 'worker' is built by no deploy.yml job" in problems
    assert any(p.startswith("portfolio-scraper-outbox: runs") for p in problems)
    assert "deploy.yml deploys portfolio-frontend, which no manifest defines" in problems


def test_the_cloud_sql_url_format_reaches_the_socket_in_every_reader() -> None:
    """docs/deployment.md's DATABASE_URL shape, read by Django (core), SQLAlchemy and libpq (outbox)."""
    import dj_database_url
    import psycopg
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
    from sqlalchemy.engine import make_url

    from portfolio_shared.sql.engine import sqlalchemy_url

    socket = "/cloudsql/my-project:europe-west1:portfolio-pg"
    url = f"postgresql://portfolio_core:p%40ss%2Fword@/portfolio_core?host={socket}"
    shape = "postgresql://USER:PASSWORD@/DATABASE?host=/cloudsql/CONNECTION_NAME"
    assert shape in (ROOT / "docs" / "deployment.md").read_text()
    expected = {"host": socket, "dbname": "portfolio_core", "user": "portfolio_core", "password": "p@ss/word"}
    django = dj_database_url.parse(url)
    django_params = {**django["OPTIONS"], "dbname": django["NAME"], "user": django["USER"]}
    assert {**django_params, "password": django["PASSWORD"]} == expected
    _, sqlalchemy_params = PGDialect_psycopg().create_connect_args(make_url(sqlalchemy_url(url)))
    assert sqlalchemy_params == expected
    assert psycopg.conninfo.conninfo_to_dict(url) == expected


def test_the_rotation_table_lists_every_reader_of_each_secret(manifests: m.Manifests) -> None:
    """docs/operations.md says which workloads to roll for each secret; a missed one keeps the old value."""
    text = (ROOT / "docs" / "operations.md").read_text()
    table = {
        secret: set(re.findall(r"`([a-z0-9-]+)`", readers))
        for secret, readers in re.findall(r"^\| `(portfolio-[a-z0-9-]+)` \| (.+) \|$", text, re.M)
    }
    readers: dict[str, set[str]] = {}
    for name, doc in manifests.items():
        if m.kind(doc) != "Job":  # executions read their secrets when they start
            for secret in m.secret_refs(doc).values():
                if "database-url" not in secret:
                    readers.setdefault(secret, set()).add(name)
    assert table == readers
