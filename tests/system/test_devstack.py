"""`make run`'s prerequisite checks: a missing Postgres or Redis is named, located and explained; a test
stack's environment takes nothing from the developer's `.env` that would point it elsewhere."""

from __future__ import annotations

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
