"""docker-compose.yml against the code: build contexts, targets, ports, variables, health, dependencies.

There is no Docker engine here, so the file is parsed and every reference in it is followed into the
repository. Each check is first run on the real file, then on a copy broken on purpose, to prove it
would notice.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from portfolio_shared.settings import ServiceSettings
from tests.infra import compose_checks as checks
from tests.infra.compose_model import load
from tests.infra.workspace import DESIGN_PORTS, ROOT, locked_version

COMPOSE = ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load(COMPOSE)


@pytest.fixture
def broken(compose: dict[str, Any]) -> dict[str, Any]:
    """A copy to break; the real file stays untouched."""
    return copy.deepcopy(compose)


@pytest.mark.parametrize("check", checks.ALL_CHECKS, ids=lambda c: c.__name__)
def test_compose_file_passes(check: Any, compose: dict[str, Any]) -> None:
    assert check(compose, ROOT) == []


def test_design_ports_agree_with_the_shared_settings_defaults() -> None:
    # The settings' default peer URLs are what `make run` uses; compose must publish the same ports.
    fields = ServiceSettings.model_fields
    defaults = {
        "core": fields["core_url"].default,
        "scraper": fields["scraper_url"].default,
        "analytics": fields["analytics_url"].default,
        "document-processor": fields["documents_url"].default,
    }
    assert {name: url.port for name, url in defaults.items()} == {
        name: DESIGN_PORTS[name] for name in defaults
    }


def test_chroma_image_matches_the_locked_client(compose: dict[str, Any]) -> None:
    image = compose["services"]["chroma"]["image"]
    assert image == f"chromadb/chroma:{locked_version('chromadb')}"


# -- each check notices what it is there for --------------------------------------------------------
def test_missing_service_is_reported(broken: dict[str, Any]) -> None:
    del broken["services"]["worker"]
    assert "service 'worker' is missing" in checks.check_services(broken, ROOT)


def test_missing_dockerfile_and_unknown_target_are_reported(broken: dict[str, Any]) -> None:
    broken["services"]["scraper"]["build"] = {"context": ".", "dockerfile": "services/scraper/Nope"}
    broken["services"]["worker"]["build"] = {**broken["services"]["worker"]["build"], "target": "nope"}
    broken["services"]["analytics"]["build"] = {"context": "no-such-dir"}
    problems = checks.check_builds(broken, ROOT)
    assert any(p.startswith("scraper: Dockerfile") for p in problems)
    assert any(p.startswith("worker:") and "no stage 'nope'" in p for p in problems)
    assert any(p.startswith("analytics: build context") for p in problems)


def test_wrong_host_or_container_port_is_reported(broken: dict[str, Any]) -> None:
    broken["services"]["scraper"]["ports"] = ["8101:8001"]
    broken["services"]["analytics"]["ports"] = ["8002:9999"]
    problems = checks.check_ports(broken, ROOT)
    assert "scraper: publishes [8101], DESIGN.md says [8001]" in problems
    assert "analytics: container port 9999 is not one the image listens on" in problems


def test_duplicate_host_port_is_reported(broken: dict[str, Any]) -> None:
    broken["services"]["redis"]["ports"] = ["8000:6379"]
    assert any("host port 8000 is already published" in p for p in checks.check_ports(broken, ROOT))


def test_unknown_environment_variable_is_reported(broken: dict[str, Any]) -> None:
    env = dict(broken["services"]["scraper"]["environment"])
    env["SCRAPER_TURBO_MODE"] = "1"
    broken["services"]["scraper"]["environment"] = env
    broken["services"]["frontend"]["build"]["args"]["VITE_NOT_A_THING"] = "x"
    problems = checks.check_environment(broken, ROOT)
    assert "scraper: environment SCRAPER_TURBO_MODE is read nowhere in the image's sources" in problems
    assert "frontend: build arg VITE_NOT_A_THING is read nowhere in the image's sources" in problems


def test_variable_read_only_by_another_service_is_reported(broken: dict[str, Any]) -> None:
    # DJANGO_SECRET_KEY is read by core's sources, which the analytics image does not contain.
    env = dict(broken["services"]["analytics"]["environment"])
    env["DJANGO_SECRET_KEY"] = "x"
    broken["services"]["analytics"]["environment"] = env
    assert "analytics: environment DJANGO_SECRET_KEY is read nowhere in the image's sources" in (
        checks.check_environment(broken, ROOT)
    )


def test_reads_variable_matches_names_fields_and_prefixes_only() -> None:
    sources = (
        (".py", 'x = Field(alias="REDIS_URL")\n    chroma_url: str = "http://x"\nf"WEBHOOK_SECRETS_{name}"'),
    )
    assert checks.reads_variable("REDIS_URL", sources)
    assert checks.reads_variable("CHROMA_URL", sources)
    assert checks.reads_variable("WEBHOOK_SECRETS_SCRAPER", sources)
    assert not checks.reads_variable("REDIS", sources)
    assert not checks.reads_variable("REDIS_URL_2", sources)
    assert not checks.reads_variable("WEBHOOK_SECRET", sources)


def test_url_to_unknown_service_or_wrong_port_is_reported(broken: dict[str, Any]) -> None:
    core_env = dict(broken["services"]["core"]["environment"])
    core_env["SCRAPER_URL"] = "http://scraper:8101"
    core_env["DOCUMENTS_URL"] = "http://documents:8003"
    broken["services"]["core"]["environment"] = core_env
    problems = checks.check_urls(broken, ROOT)
    assert "core: SCRAPER_URL=http://scraper:8101: scraper does not listen on 8101" in problems
    assert any("names 'documents', which is not a compose service" in p for p in problems)


def test_chroma_url_must_use_the_port_inside_the_network(broken: dict[str, Any]) -> None:
    # 8004 is chroma's published port; inside the compose network it listens on 8000.
    env = dict(broken["services"]["document-processor"]["environment"])
    env["CHROMA_URL"] = "http://chroma:8004"
    broken["services"]["document-processor"]["environment"] = env
    assert "document-processor: CHROMA_URL=http://chroma:8004: chroma does not listen on 8004" in (
        checks.check_urls(broken, ROOT)
    )


def test_database_not_created_or_owned_by_another_service_is_reported(broken: dict[str, Any]) -> None:
    env = dict(broken["services"]["scraper"]["environment"])
    env["DATABASE_URL"] = "postgresql://postgres@postgres:5432/portfolio_core"
    broken["services"]["scraper"]["environment"] = env
    env = dict(broken["services"]["core"]["environment"])
    env["DATABASE_URL"] = "postgresql://postgres@postgres:5432/portfolio_typo"
    broken["services"]["core"]["environment"] = env
    problems = checks.check_databases(broken, ROOT)
    assert "scraper: uses database 'portfolio_core', its service owns 'portfolio_scraper'" in problems
    assert "core: database 'portfolio_typo' is not created by the postgres init scripts" in problems


def test_bad_depends_on_is_reported(broken: dict[str, Any]) -> None:
    services = broken["services"]
    services["core"]["depends_on"] = {"ghost": {"condition": "service_started"}}
    del services["redis"]["healthcheck"]
    services["core-migrate"]["restart"] = "always"
    problems = checks.check_depends_on(broken, ROOT)
    assert "core: depends on 'ghost', which does not exist" in problems
    assert "scraper: waits for redis to be healthy, but redis has no healthcheck" in problems
    assert "core-outbox: waits for core-migrate to finish, but core-migrate restarts" in problems


def test_depends_on_cycle_is_reported(broken: dict[str, Any]) -> None:
    broken["services"]["redis"]["depends_on"] = {"core": {"condition": "service_healthy"}}
    assert any(p.startswith("depends_on cycle:") for p in checks.check_depends_on(broken, ROOT))


def test_missing_or_misdirected_healthcheck_is_reported(broken: dict[str, Any]) -> None:
    del broken["services"]["worker"]["healthcheck"]
    test = broken["services"]["scraper"]["healthcheck"]["test"]
    broken["services"]["scraper"]["healthcheck"]["test"] = [t.replace("8001", "8000") for t in test]
    problems = checks.check_healthchecks(broken, ROOT)
    assert "worker: long-running service without a healthcheck" in problems
    assert "scraper: healthcheck calls port 8000, the service listens elsewhere" in problems


def test_volume_problems_are_reported(broken: dict[str, Any]) -> None:
    services = broken["services"]
    services["postgres"]["volumes"] = [
        "./infrastructure/docker/missing.sql:/docker-entrypoint-initdb.d/x.sql"
    ]
    services["worker"]["volumes"] = ["other-media:/app/media"]
    problems = checks.check_volumes(broken, ROOT)
    assert "postgres: bind mount source ./infrastructure/docker/missing.sql does not exist" in problems
    assert "postgres: no named volume at its data directory /var/lib/postgresql/data" in problems
    assert "worker: volume 'other-media' is not declared under volumes:" in problems
    assert "volume 'postgres-data' is declared but unused" in problems


def test_api_and_worker_must_share_the_media_volume(broken: dict[str, Any]) -> None:
    broken["volumes"]["worker-media"] = None
    broken["services"]["worker"]["volumes"] = ["worker-media:/app/media"]
    assert any("do not share one volume" in p for p in checks.check_volumes(broken, ROOT))


def test_command_with_missing_module_or_management_command_is_reported(broken: dict[str, Any]) -> None:
    broken["services"]["scraper-migrate"]["command"] = ["python", "-m", "portfolio_scraper.no_such_module"]
    broken["services"]["core-outbox"]["command"] = ["python", "manage.py", "no_such_command"]
    broken["services"]["worker"]["command"] = "celery -A portfolio_documents.nope worker"
    problems = checks.check_commands(broken, ROOT)
    assert (
        "scraper-migrate: runs module 'portfolio_scraper.no_such_module', which is not in the image"
        in problems
    )
    assert "core-outbox: runs `manage.py no_such_command`, which no app defines" in problems
    assert "worker: runs module 'portfolio_documents.nope', which is not in the image" in problems
