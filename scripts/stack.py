"""Start the real stack (or part of it) as subprocesses on free ports, and stop exactly what was started.

Used by the system tests and `make bench`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

import psycopg
from psycopg import sql

from portfolio_shared.health import DB_CONNECT_TIMEOUT_S
from scripts import devstack

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


#: Redis of every test stack; each role (broker, cache, analytics) is set to it explicitly.
STACK_REDIS_URL = "redis://127.0.0.1:6379/13"
REDIS_ROLE_VARIABLES = ("CELERY_BROKER_URL", "CACHE_REDIS_URL", "ANALYTICS_REDIS_URL")
CALLER_KEY_VARIABLES = tuple(
    f"SERVICE_CALLER_KEYS_{caller.upper()}" for caller in sorted(devstack.KNOWN_CALLERS)
)


def stack_env(tmp: Path, **overrides: str) -> dict[str, str]:
    """A complete environment for a stack on free ports, its own databases, Redis db and data dir.

    Nothing that points a stack elsewhere or changes whom it trusts comes from the developer's
    environment or `.env` (``devstack.build_env`` fills only missing keys): every Redis role URL is
    set, and the callers' public keys are this stack's, generated under its data dir.
    """
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith(("_PORT", "_URL", "_DATABASE_URL")) and k not in CALLER_KEY_VARIABLES
    }
    base.update({key: str(free_port()) for key in devstack.PORTS})
    suffix = "_sys_" + uuid.uuid4().hex[:8]
    base["PORTFOLIO_DB_SUFFIX"] = suffix
    base["DATA_DIR"] = str(tmp / "data")
    redis_url = overrides.get("REDIS_URL", STACK_REDIS_URL)
    base["REDIS_URL"] = redis_url
    base.update(dict.fromkeys(REDIS_ROLE_VARIABLES, redis_url))
    # Empty, so `.env` cannot fill them: build_env then gives each the stack's generated key.
    base.update(dict.fromkeys(CALLER_KEY_VARIABLES, ""))
    # Stacks running at once share that Redis db: each gets its own Celery queue, cache keys,
    # analytics keys and Socket.IO channel, so no worker takes another stack's task.
    base["CELERY_QUEUE"] = "documents" + suffix
    base["CACHE_KEY_PREFIX"] = "core" + suffix
    base["ANALYTICS_REDIS_PREFIX"] = "an" + suffix
    base["REALTIME_CHANNEL"] = "portfolio-analytics-realtime" + suffix
    # Every test's browser and client posts analytics from 127.0.0.1: one address, one budget.
    base["ANALYTICS_IP_BUDGET_BURST"] = "100000"
    # Every client of a test stack (system tests, browsers of the e2e suite, the bench's load) is
    # 127.0.0.1: core's per-client limit on public reads would refuse them as one visitor.
    base["PUBLIC_READ_RATE_LIMIT"] = "1000000"
    base["RELOAD"] = "0"  # tests run the code they started with (`make run` reloads on change)
    base.update(overrides)
    return devstack.build_env(base)


def drop_databases(env: dict[str, str]) -> None:
    with psycopg.connect(
        env["POSTGRES_URL"].rstrip("/") + "/postgres", autocommit=True, connect_timeout=DB_CONNECT_TIMEOUT_S
    ) as conn:
        for service in devstack.DATABASES:
            name = env[f"{service}_DATABASE_URL"].rsplit("/", 1)[1]
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def http_status(url: str, timeout: float = 2) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - local URLs only
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError):
        return None


def wait_for(urls: Sequence[str], proc: subprocess.Popen[bytes], timeout: float = 240) -> None:
    pending = list(urls)
    deadline = time.monotonic() + timeout
    while pending:
        if proc.poll() is not None:
            raise AssertionError(f"the stack exited with {proc.returncode} before {pending} answered")
        if time.monotonic() > deadline:
            raise AssertionError(f"not answering after {timeout}s: {pending}")
        pending = [u for u in pending if http_status(u) != 200]
        time.sleep(0.5)


def wait_until(predicate: Callable[[], T], timeout: float = 180, interval: float = 0.5) -> T:
    """``predicate()``'s first truthy value, polled every ``interval`` s; AssertionError at ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s")


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """Run core's ``manage.py`` with ``args`` beside the stack of ``env``, as an operator would (core's
    database and key, :func:`devstack.core_command_env`); its output, asserting it succeeded."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT / "backend",
        env=devstack.core_command_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@contextmanager
def running(
    cmd: Sequence[str], env: dict[str, str], cwd: Path, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``cmd`` in its own process group; on exit stop that group (its pid is the group id)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield proc
        finally:
            stop_group(proc)


def stop_group(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, grace: float = 20) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    # honcho has stopped its children; anything left in the group (a grandchild) goes too.
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


#: Procfile process -> the URL that answers 200 once it is ready.
READY_PATHS = {
    "core": ("CORE_URL", "/ready"),
    "scraper": ("SCRAPER_URL", "/ready"),
    "analytics": ("ANALYTICS_URL", "/ready"),
    "documents": ("DOCUMENTS_URL", "/ready"),
    "chroma": ("CHROMA_URL", "/api/v2/heartbeat"),
}


@contextmanager
def services_running(tmp: Path, processes: Sequence[str], **overrides: str) -> Iterator[dict[str, str]]:
    """Create and migrate throwaway databases, start ``processes`` from the Procfile, wait until ready.

    Yields the environment (URLs, database URLs). On exit the processes are stopped and the
    databases dropped.
    """
    env = stack_env(tmp, **overrides)
    Path(env["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    try:
        devstack.create_databases(env)
        devstack.migrate(env)
        honcho = str(Path(sys.executable).parent / "honcho")
        cmd = [honcho, "start", "-f", str(ROOT / "Procfile"), *processes]
        with running(cmd, env, ROOT, tmp / "stack.log") as proc:
            ready = [env[READY_PATHS[p][0]] + READY_PATHS[p][1] for p in processes if p in READY_PATHS]
            wait_for(ready, proc)
            yield env
    finally:
        drop_databases(env)
