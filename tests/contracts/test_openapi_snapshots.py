"""The four services' OpenAPI schemas change only additively against the committed snapshots.

tests/contracts/snapshots/ holds each service's schema as it stood when issue 17 started (written by
``uv run --no-sync python scripts/dump_openapi.py --all tests/contracts/snapshots``). A removed path,
method, response or field, a narrowed request type or a newly required request field fails here
(the rules: tests/contracts/openapi_diff.py); additions pass. A change that breaks callers on
purpose updates the snapshot in the same commit, and says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.contracts.conftest import SERVICES
from tests.contracts.openapi_diff import breaking_changes

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"


@pytest.mark.parametrize("service", SERVICES)
def test_schema_changes_only_additively(current_schemas: dict[str, dict[str, Any]], service: str) -> None:
    snapshot = json.loads((SNAPSHOTS / f"{service}.json").read_text())
    problems = breaking_changes(snapshot, current_schemas[service])
    assert problems == [], f"{service}'s OpenAPI schema changed non-additively:\n" + "\n".join(problems)
