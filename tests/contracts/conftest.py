"""The services' OpenAPI schemas as their code builds them now, once per test session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
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
