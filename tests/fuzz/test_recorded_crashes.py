"""Every failure the fuzzing recorded (``crashes.json``), replayed on the running stack.

The deterministic gate (test_schemas.py) need not generate these exact requests again; this makes
sure each stays fixed: the answer has the expected status and, for a documented operation, matches
its schema (schemathesis' own response checks).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.fuzz.credentials import credentials
from tests.fuzz.test_schemas import SCHEMAS

CASES: list[dict[str, Any]] = json.loads((Path(__file__).with_name("crashes.json")).read_text())["cases"]


@cache
def schema(base: str, schema_path: str) -> Any:
    return schemathesis.openapi.from_url(base + schema_path)


def status_matches(status: int, expect: str | int) -> bool:
    return status == expect if isinstance(expect, int) else f"{status // 100}xx" == expect


@pytest.mark.parametrize("case", CASES, ids=[f"{c['service']}: {c['name']}" for c in CASES])
def test_a_recorded_crash_stays_fixed(stack: dict[str, str], case: dict[str, Any]) -> None:
    url_name, schema_path = SCHEMAS[case["service"]]
    base = stack[url_name]
    path = case["path"].format(**{k: quote(v, safe="") for k, v in case.get("path_parameters", {}).items()})
    headers, cookies = credentials(stack, case["service"], case["path"])
    content = case["raw_body"].encode() if "raw_body" in case else None
    if content is not None:
        headers["Content-Type"] = "application/json"
    with httpx.Client(base_url=base, cookies=cookies, timeout=60) as client:
        response = client.request(
            case["method"],
            path,
            params=case.get("query"),
            json=case.get("body"),
            content=content,
            headers=headers,
        )
    assert status_matches(response.status_code, case["expect"]), (response.status_code, response.text[:2000])
    operations = schema(base, schema_path)[case["path"]]
    if case["method"].lower() in {method.lower() for method in operations}:
        documented = operations[case["method"]].Case(
            query=case.get("query"), path_parameters=case.get("path_parameters"), headers=headers
        )
        documented.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
