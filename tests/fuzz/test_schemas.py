"""Schemathesis against the four OpenAPI schemas of a running stack, authenticated: zero failures.

Checks: server errors (``not_a_server_error``), responses that break their own schema
(``response_schema_conformance``), invalid input accepted (``negative_data_rejection``) and methods
a path does not have answered other than 405 (``unsupported_method``). Every phase runs: the
schema's examples, the coverage phase's boundary values, fuzzing and stateful sequences.

The gate is deterministic (``--generation-deterministic``, no example database): the same code
gives the same requests. ``make fuzz`` runs the same with ``FUZZ_SEED`` and more examples, for
exploration; what it finds becomes a regression test in the service's suite and a case of
``crashes.json``, replayed on every run by ``test_recorded_crashes.py``.

No operation is excluded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fuzz.credentials import ROOT

CHECKS = "not_a_server_error,response_schema_conformance,negative_data_rejection,unsupported_method"
#: service -> (the URL variable of its base, the path of its schema)
SCHEMAS = {
    "core": ("CORE_URL", "/api/schema/"),
    "scraper": ("SCRAPER_URL", "/openapi.json"),
    "analytics": ("ANALYTICS_URL", "/openapi.json"),
    "documents": ("DOCUMENTS_URL", "/openapi.json"),
}
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "50")
SEED = os.environ.get("FUZZ_SEED")  # set: a random exploration with this seed (`make fuzz`)


def schemathesis_command(base: str, schema_path: str) -> list[str]:
    schemathesis = str(Path(sys.executable).parent / "schemathesis")
    generation = ["--seed", SEED] if SEED else ["--generation-deterministic"]
    return [
        schemathesis,
        "--config-file",
        str(Path(__file__).with_name("schemathesis.toml")),
        "run",
        base + schema_path,
        "--url",
        base,
        "--checks",
        CHECKS,
        "--mode",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        MAX_EXAMPLES,
        *generation,
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--no-color",
    ]


@pytest.mark.parametrize("service", list(SCHEMAS))
def test_the_schema_holds_under_fuzzing(stack: dict[str, str], service: str) -> None:
    url_name, schema_path = SCHEMAS[service]
    env = {**os.environ, **stack, "FUZZ_SERVICE": service, "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    started = time.monotonic()
    run = subprocess.run(
        schemathesis_command(stack[url_name], schema_path),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    print(f"{service}: schemathesis ran {time.monotonic() - started:.0f} s\n{run.stdout[-3000:]}")
    assert run.returncode == 0, (
        f"schemathesis found failures in {service}:\n{run.stdout[-20000:]}{run.stderr}"
    )
