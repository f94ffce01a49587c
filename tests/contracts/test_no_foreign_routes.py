"""No service's code spells another service's route path, a document-key format or a token
audience: those live in portfolio_shared.contracts, declared once.

Each service's own code (not its tests, not portfolio_shared) is parsed, and every string literal
that is not a docstring is checked: a literal (or an f-string, its replacement fields read as path
parameters) that is a route of another service's OpenAPI schema fails, and so does one that starts a
document key of the shared formats (``paper:``, ``paper-text:``) or is the dashboard's audience. An
``audience=`` argument spelled as a literal fails too: a token's audience comes from the operation
(``Operation.token_audience``), the encodings or ``portfolio_shared.auth.audience_for``.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from portfolio_shared.contracts import (
    ANALYTICS_DASHBOARD_AUDIENCE,
    PAPER_PDF_KEY_PREFIX,
    PAPER_TEXT_KEY_PREFIX,
)
from tests.contracts.conftest import ROOT, SERVICES

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
CODE = {
    "core": ROOT / "backend",
    "scraper": ROOT / "services" / "scraper" / "src",
    "analytics": ROOT / "services" / "analytics" / "src",
    "documents": ROOT / "services" / "document-processor" / "src",
}
KEY_PREFIXES = (PAPER_PDF_KEY_PREFIX, PAPER_TEXT_KEY_PREFIX)
AUDIENCES = frozenset({ANALYTICS_DASHBOARD_AUDIENCE})
_PARAM = "\x00"  # an f-string's replacement field


def _routes(service: str) -> set[str]:
    return set(json.loads((SNAPSHOTS / f"{service}.json").read_text())["paths"])


def _route_pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]+\}", path)
    return re.compile("[^/]+".join(re.escape(p).replace(re.escape(_PARAM), "[^/]+") for p in parts))


def foreign_routes(service: str) -> dict[str, str]:
    """Routes of the other services that ``service`` does not serve itself (``/health`` is everyone's)."""
    own = _routes(service)
    return {path: other for other in SERVICES if other != service for path in _routes(other) - own}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def literals(source: str) -> Iterator[tuple[int, str]]:
    """Each string literal of ``source`` but its docstrings, as (line, text); an f-string's
    replacement fields become one placeholder character."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    inside_fstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            inside_fstrings.update(id(v) for v in node.values)
            text = "".join(v.value if isinstance(v, ast.Constant) else _PARAM for v in node.values)
            yield node.lineno, str(text)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip | inside_fstrings
        ):
            yield node.lineno, node.value


def spelled_audiences(source: str) -> Iterator[tuple[int, str]]:
    """Each ``audience=`` keyword argument of ``source`` given as a string literal or f-string."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg == "audience":
            value = node.value
            if isinstance(value, ast.JoinedStr) or (
                isinstance(value, ast.Constant) and isinstance(value.value, str)
            ):
                yield node.lineno, ast.unparse(value)


def offences(source: str, routes: dict[str, str]) -> list[str]:
    """What in ``source`` spells one of ``routes`` (path -> its service), a document-key format or
    a token audience."""
    patterns = [
        (re.compile(_route_pattern(path).pattern + r"/?"), path, owner) for path, owner in routes.items()
    ]
    found = [f"line {line}: token audience spelled as {text}" for line, text in spelled_audiences(source)]
    for line, text in literals(source):
        if text.startswith(KEY_PREFIXES):
            found.append(f"line {line}: document key format {text!r}")
        if text in AUDIENCES:
            found.append(f"line {line}: token audience {text!r}")
        for pattern, path, owner in patterns:
            if "/" in text and pattern.fullmatch(text.split("?")[0]):
                found.append(f"line {line}: {owner}'s route {path} as {text!r}")
    return sorted(found, key=lambda offence: int(offence.split()[1].rstrip(":")))  # by line


def _service_files(service: str) -> list[Path]:
    return sorted(p for p in CODE[service].rglob("*.py") if "tests" not in p.relative_to(CODE[service]).parts)


@pytest.mark.parametrize("service", SERVICES)
def test_service_code_spells_no_other_services_route_or_key_format(service: str) -> None:
    routes = foreign_routes(service)
    problems = [
        f"{path.relative_to(ROOT)} {offence}"
        for path in _service_files(service)
        for offence in offences(path.read_text(encoding="utf-8"), routes)
    ]
    assert problems == [], "use portfolio_shared.contracts instead:\n" + "\n".join(problems)


def test_the_scan_finds_routes_keys_audiences_and_f_strings_but_not_docstrings() -> None:
    source = '''
"""Calls POST /process/text, keyed paper:<id>."""
BULK = "/api/internal/papers/bulk/"
def key(arxiv_id):
    """The key paper:<arxiv_id>."""
    return f"paper:{arxiv_id}"
def status(job_id):
    return client.get(f"/process/status/{job_id}")
OWN = "/health"
DASHBOARD = "analytics-dashboard"
token = issue_token(issuer="core", audience="documents", key=key)
ok = issue_token(issuer="core", audience=service_audience(target), key=key)
'''
    routes = {"/api/internal/papers/bulk/": "core", "/process/status/{job_id}": "documents"}
    assert offences(source, routes) == [
        "line 3: core's route /api/internal/papers/bulk/ as '/api/internal/papers/bulk/'",
        "line 6: document key format 'paper:\\x00'",
        "line 8: documents's route /process/status/{job_id} as '/process/status/\\x00'",
        "line 10: token audience 'analytics-dashboard'",
        "line 11: token audience spelled as 'documents'",
    ]
