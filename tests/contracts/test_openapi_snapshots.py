"""The four services' OpenAPI schemas change only additively against the committed snapshots.

tests/contracts/snapshots/ holds each service's schema as it stood when issue 17 started (written by
``uv run --no-sync python scripts/dump_openapi.py --all tests/contracts/snapshots``). A removed path,
method, response or field, a narrowed request type or a newly required request field fails here
(the rules: tests/contracts/openapi_diff.py); additions pass. A change that breaks callers on
purpose updates the snapshot in the same commit, and says so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.contracts.openapi_diff import breaking_changes

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
SERVICES = ("core", "scraper", "analytics", "documents")


@pytest.fixture(scope="session")
def current_schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Each service's schema as its code builds it now (a subprocess: core's needs its own Django)."""
    out = tmp_path_factory.mktemp("openapi")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "dump_openapi.py"), "--all", str(out)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return {name: json.loads((out / f"{name}.json").read_text()) for name in SERVICES}


@pytest.mark.parametrize("service", SERVICES)
def test_schema_changes_only_additively(current_schemas: dict[str, dict[str, Any]], service: str) -> None:
    snapshot = json.loads((SNAPSHOTS / f"{service}.json").read_text())
    problems = breaking_changes(snapshot, current_schemas[service])
    assert problems == [], f"{service}'s OpenAPI schema changed non-additively:\n" + "\n".join(problems)
