"""`make run`'s prerequisite checks: a missing Postgres or Redis is named, located and explained."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scripts.stack import ROOT, free_port, stack_env


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
