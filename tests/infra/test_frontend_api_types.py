"""The SPA's API types match the services' current OpenAPI schemas.

``npm --prefix frontend run api:generate`` dumps core's and analytics' schemas (scripts/dump_openapi.py)
into frontend/openapi/ and generates frontend/src/api/generated/ from them with openapi-typescript.
A service whose schema changes without that being re-run fails here, before the SPA reads a field
that is no longer there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.workspace import ROOT

FRONTEND = ROOT / "frontend"
SERVICES = ("core", "analytics")
OPENAPI_TS = FRONTEND / "node_modules" / "openapi-typescript" / "bin" / "cli.js"
REGENERATE = "regenerate with `npm --prefix frontend run api:generate` and commit the result"


@pytest.fixture(scope="module")
def dumped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("openapi")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "dump_openapi.py"), str(out)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


@pytest.mark.parametrize("service", SERVICES)
def test_committed_schema_is_the_services_current_schema(dumped: Path, service: str) -> None:
    current = json.loads((dumped / f"{service}.json").read_text())
    committed = json.loads((FRONTEND / "openapi" / f"{service}.json").read_text())
    assert committed == current, f"frontend/openapi/{service}.json is out of date: {REGENERATE}"


@pytest.mark.parametrize("service", SERVICES)
def test_committed_types_are_generated_from_the_current_schema(dumped: Path, service: str) -> None:
    assert OPENAPI_TS.exists(), "frontend/node_modules is missing: run `make install` (npm ci) first"
    generated = dumped / f"{service}.ts"
    subprocess.run(
        ["node", str(OPENAPI_TS), str(dumped / f"{service}.json"), "-o", str(generated)],
        cwd=FRONTEND,
        check=True,
        capture_output=True,
        timeout=300,
    )
    committed = FRONTEND / "src" / "api" / "generated" / f"{service}.ts"
    assert committed.read_text() == generated.read_text(), (
        f"frontend/src/api/generated/{service}.ts is not what the current schema generates: {REGENERATE}"
    )


def test_a_changed_schema_is_detected(dumped: Path, tmp_path: Path) -> None:
    """The check can fail: a field removed from core's schema changes the generated types."""
    schema = json.loads((dumped / "core.json").read_text())
    del schema["components"]["schemas"]["Paper"]["properties"]["relevance_components"]
    changed = tmp_path / "core.json"
    changed.write_text(json.dumps(schema))
    subprocess.run(
        ["node", str(OPENAPI_TS), str(changed), "-o", str(tmp_path / "core.ts")],
        cwd=FRONTEND,
        check=True,
        capture_output=True,
        timeout=300,
    )
    committed = (FRONTEND / "src" / "api" / "generated" / "core.ts").read_text()
    assert "relevance_components" in committed
    assert (tmp_path / "core.ts").read_text() != committed
