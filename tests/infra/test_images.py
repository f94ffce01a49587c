"""Each Python image built without Docker, then started the way docker-compose.yml starts it.

The builder stage of every workspace Dockerfile is replayed offline (tests/infra/image_build.py), the
filesystem is cut down to what the runtime stage copies, and then, with the compose environment
pointed at this machine's Postgres and Redis: every container command's modules import, every
one-shot migration runs against a fresh database, and every service with an HTTP healthcheck starts
and passes it on the port it is given (PORT for the servers, as on Cloud Run).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
import redis
from psycopg import sql

from tests.infra.compose_checks import _referenced
from tests.infra.compose_model import (
    command_argv,
    depends_on,
    environment,
    image,
    load,
    service_command,
)
from tests.infra.dockerfile import Dockerfile
from tests.infra.dockerfile_checks import python_dockerfiles
from tests.infra.image_build import EmulatedImage, build, check_runtime_copies
from tests.infra.workspace import ROOT

pytestmark = pytest.mark.slow

COMPOSE = load(ROOT / "docker-compose.yml")
PYTHON = python_dockerfiles(ROOT)
POSTGRES_URL = os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432").rstrip("/")
REDIS_DB = 12  # this suite's own Redis database
NOTHING_LISTENS = "http://127.0.0.1:9"  # peers are not started: /health must not need them


def _built_services() -> dict[str, dict[str, Any]]:
    found = {}
    for name, service in COMPOSE["services"].items():
        produced = image(service, ROOT)
        if produced is not None and produced.dockerfile.path in PYTHON:
            found[name] = service
    return found


SERVICES = _built_services()
#: Long-running services whose compose healthcheck calls an HTTP URL.
HEALTH_CHECKED = sorted(name for name, s in SERVICES.items() if "http://" in str(s.get("healthcheck")))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], EmulatedImage]:
    images: dict[Path, EmulatedImage] = {}

    def get(path: Path) -> EmulatedImage:
        if path not in images:
            emulated = build(Dockerfile(path, ROOT), tmp_path_factory.mktemp(path.parent.name))
            assert check_runtime_copies(emulated) == []
            emulated.prune_to_runtime()
            images[path] = emulated
        return images[path]

    return get


@pytest.fixture(scope="module", autouse=True)
def _own_redis_db() -> Iterator[None]:
    """Leave this suite's Redis database (Celery's broker keys, analytics' counters) empty."""
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    client.flushdb()
    yield
    client.flushdb()
    client.close()


@pytest.fixture
def database() -> Iterator[str]:
    name = f"infra_image_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{POSTGRES_URL}/{name}"
    finally:
        with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _local_env(service: dict[str, Any], database: str | None, tmp: Path) -> dict[str, str]:
    """The service's compose environment, pointed at this machine instead of the compose network."""
    env = {}
    for key, value in environment(service).items():
        host = urlsplit(value).hostname if "://" in value else None
        if key == "DATABASE_URL":
            value = database or value
        elif value.startswith("redis://"):  # REDIS_URL and each Redis role's own URL
            value = f"redis://127.0.0.1:6379/{REDIS_DB}"
        elif key == "MEDIA_ROOT":
            value = str(tmp / "media")
        elif host in COMPOSE["services"]:
            value = NOTHING_LISTENS
        env[key] = value
    return env


def _run(
    emulated: EmulatedImage,
    service: dict[str, Any],
    argv: list[str],
    env: dict[str, str],
    timeout: float = 180,
) -> subprocess.CompletedProcess[str]:
    stage = image(service, ROOT).stage  # type: ignore[union-attr]
    return subprocess.run(
        argv,
        cwd=emulated.workdir(stage),
        env=emulated.process_env(stage, env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _image_of(name: str, built: Callable[[Path], EmulatedImage]) -> EmulatedImage:
    return built(image(SERVICES[name], ROOT).dockerfile.path)  # type: ignore[union-attr]


@pytest.mark.parametrize("path", PYTHON, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_builder_stage_replays_offline_and_installs_our_code_as_wheels(
    path: Path, built: Callable[[Path], EmulatedImage]
) -> None:
    emulated = built(path)
    site = next(emulated.path("/app/.venv/lib").glob("python3.*/site-packages"))
    assert (site / "portfolio_shared" / "__init__.py").is_file()
    # Non-editable: no .pth file points back into a source tree that the runtime stage lacks.
    for pth in site.glob("*.pth"):
        assert "/services/" not in pth.read_text(), f"{pth.name} links to the sources"
    assert not emulated.path("/app/services").exists(), "the runtime stage must not need the sources"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_container_command_starts_code_that_exists_in_the_image(
    name: str, built: Callable[[Path], EmulatedImage], tmp_path: Path
) -> None:
    service = SERVICES[name]
    emulated = _image_of(name, built)
    env = _local_env(service, None, tmp_path)
    argv = service_command(service, ROOT)
    references = list(_referenced(argv))
    assert references, f"{name}: no module or command recognised in {argv}"
    for kind, ref in references:
        if kind == "manage":
            check = ["python", "manage.py", "help", ref]
        elif kind == "main":  # `python -m ref`: a module, or a package with a __main__
            code = (
                f"import importlib, importlib.util; m = importlib.import_module({ref!r}); "
                f"assert not hasattr(m, '__path__') or importlib.util.find_spec({ref!r} + '.__main__')"
            )
            check = ["python", "-c", code]
        else:
            check = ["python", "-c", f"import importlib; importlib.import_module({ref!r})"]
        result = _run(emulated, service, check, env)
        assert result.returncode == 0, f"{name}: {' '.join(check)}\n{result.stderr[-3000:]}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_health(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"exited with {proc.returncode} before answering:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - a local URL
                assert response.status == 200
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {timeout}s:\n{log.read_text()[-4000:]}")


def _health_url(service: dict[str, Any]) -> str:
    test = " ".join(command_argv((service.get("healthcheck") or {}).get("test")))
    urls = re.findall(r"http://127\.0\.0\.1:\d+/[^\s'\"]*", test)
    assert len(urls) == 1, f"expected one URL in the healthcheck {test!r}"
    return str(urls[0])


@pytest.mark.parametrize("name", HEALTH_CHECKED)
def test_service_migrates_starts_and_passes_its_healthcheck_on_a_port_it_is_given(
    name: str, built: Callable[[Path], EmulatedImage], database: str, tmp_path: Path
) -> None:
    service = SERVICES[name]
    emulated = _image_of(name, built)
    env = _local_env(service, database, tmp_path)
    # The one-shot services it waits for (its migrations), run in the same image first.
    for target, condition in depends_on(service).items():
        if condition == "service_completed_successfully":
            migrate = COMPOSE["services"][target]
            result = _run(
                emulated, migrate, service_command(migrate, ROOT), _local_env(migrate, database, tmp_path)
            )
            assert result.returncode == 0, f"{target} failed:\n{result.stderr[-4000:]}"

    # The healthcheck's port moves to a free one: through PORT for a server (as Cloud Run sets it),
    # or through the variable compose sets to that port (OUTBOX_METRICS_PORT).
    checked = urlsplit(_health_url(service))
    port = _free_port()
    stage = image(service, ROOT).stage  # type: ignore[union-attr]
    if checked.port in emulated.dockerfile.exposed_ports(stage):
        env["PORT"] = str(port)
    else:
        (variable,) = [k for k, v in env.items() if v == str(checked.port)]
        env[variable] = str(port)
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            service_command(service, ROOT),
            cwd=emulated.workdir(stage),
            env=emulated.process_env(stage, env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: gunicorn's workers stop with it
        )
    try:
        _wait_for_health(checked._replace(netloc=f"127.0.0.1:{port}").geturl(), proc, log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


#: Long-running services whose healthcheck is a command, not a URL (the Celery worker).
COMMAND_CHECKED = sorted(
    name for name, s in SERVICES.items() if s.get("healthcheck") and "http://" not in str(s["healthcheck"])
)


@pytest.mark.parametrize("name", COMMAND_CHECKED)
def test_service_starts_and_passes_its_healthcheck_command(
    name: str, built: Callable[[Path], EmulatedImage], database: str, tmp_path: Path
) -> None:
    service = SERVICES[name]
    emulated = _image_of(name, built)
    stage = image(service, ROOT).stage  # type: ignore[union-attr]
    # Docker sets HOSTNAME in every container; the worker's node name is celery@<hostname>.
    local = {**_local_env(service, database, tmp_path), "HOSTNAME": socket.gethostname()}
    env = emulated.process_env(stage, local)
    test = command_argv(service["healthcheck"]["test"])
    kind, check = test[0], [part.replace("$$", "$") for part in test[1:]]
    argv = ["/bin/sh", "-c", check[0]] if kind == "CMD-SHELL" else check
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            service_command(service, ROOT),
            cwd=emulated.workdir(stage),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: prefork children stop with it
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"exited with {proc.returncode}:\n{log.read_text()[-4000:]}"
            result = subprocess.run(
                argv, cwd=emulated.workdir(stage), env=env, capture_output=True, text=True, check=False
            )
            if result.returncode == 0:
                break
            assert time.monotonic() < deadline, f"healthcheck never passed:\n{result.stdout}{result.stderr}"
            time.sleep(1)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
