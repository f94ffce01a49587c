"""`make run`'s prerequisite checks: a missing Postgres or Redis is named, located and explained; a test
stack's environment takes nothing from the developer's `.env` that would point it elsewhere."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import devstack
from scripts.stack import CALLER_KEY_VARIABLES, REDIS_ROLE_VARIABLES, ROOT, free_port, stack_env


@pytest.mark.parametrize(
    ("variable", "url", "what"),
    [
        ("POSTGRES_URL", "postgresql://postgres@127.0.0.1:{port}", "PostgreSQL"),
        ("REDIS_URL", "redis://127.0.0.1:{port}/0", "Redis"),
    ],
)
def test_an_unreachable_dependency_is_explained_without_a_traceback(
    tmp_path: Path, variable: str, url: str, what: str
) -> None:
    port = free_port()  # nothing listens there
    env = stack_env(tmp_path, **{variable: url.format(port=port)})
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "devstack.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert f"{what} is not reachable at 127.0.0.1:{port} ({variable})" in result.stderr
    assert "Start it with:" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_stack_takes_no_redis_role_or_caller_key_from_the_developers_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / ".env").write_text(
        "".join(f"{name}=redis://developer.example:6379/0\n" for name in REDIS_ROLE_VARIABLES)
        + "SERVICE_CALLER_KEYS_CORE=a-developer-key\n"
    )
    monkeypatch.setattr(devstack, "ROOT", checkout)
    monkeypatch.setenv("SERVICE_CALLER_KEYS_SCRAPER", "a-shell-key")
    env = stack_env(tmp_path / "stack")
    assert {env[name] for name in REDIS_ROLE_VARIABLES} == {env["REDIS_URL"]}
    for name in CALLER_KEY_VARIABLES:
        caller = name.removeprefix("SERVICE_CALLER_KEYS_").lower()
        assert env[name] == devstack.stack_signing_key(env, caller).public().text(), name


def test_reload_is_off_with_reload_0_and_the_procfile_is_the_repositorys(tmp_path: Path) -> None:
    env = stack_env(tmp_path)  # test stacks set RELOAD=0
    assert env["RELOAD"] == "0"
    assert devstack.dev_procfile(env) == ROOT / "Procfile"


FAILING = """\
import logging
from portfolio_shared.log import configure_logging
configure_logging("core", "INFO")
logging.getLogger("httpx").info("HTTP Request: GET http://127.0.0.1/ 200")
logging.getLogger("portfolio.test").error("cannot start: the database refused us")
raise SystemExit(3)
"""


def test_a_failing_process_still_shows_its_error_on_the_quiet_console(tmp_path: Path) -> None:
    """What `make run` forwards: honcho's output through :class:`devstack.Console` (as in a file)."""
    (tmp_path / "fail.py").write_text(FAILING)
    (tmp_path / "Procfile").write_text(
        "chroma: printf '\\033[97m  *  banner\\nConnect to Chroma\\n"
        "- chroma copy --to-cloud --all\\n\\n'; sleep 30\n"
        f"core: {sys.executable} {tmp_path / 'fail.py'}\n"
    )
    out = io.StringIO()
    console = devstack.Console(out)
    env = {**os.environ, "LOG_FORMAT": "console"}
    honcho = str(Path(sys.executable).parent / "honcho")
    proc = subprocess.Popen(
        [honcho, "start", "-f", str(tmp_path / "Procfile")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    console.pump(proc.stdout)
    assert proc.wait(timeout=60) != 0
    shown = out.getvalue()
    assert "ERROR   core: cannot start: the database refused us" in shown
    assert "HTTP Request" not in shown and "banner" not in shown and "Connect to Chroma" not in shown
    assert "\x1b[" not in shown  # not a terminal: no colour codes
