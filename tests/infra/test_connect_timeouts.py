"""Every Postgres connection the platform opens has a connect timeout: each ``psycopg.connect`` /
``AsyncConnection.connect`` passes ``connect_timeout``, each SQLAlchemy engine built straight from
SQLAlchemy passes it in ``connect_args`` (the shared ``create_engine`` does it for its callers), and
Django's database has it in ``OPTIONS``. Read from the source (tests excluded), so a new call without
one fails here.
"""

from __future__ import annotations

import ast
import asyncio
import re
import socket
import time
from pathlib import Path

import pytest
import sqlalchemy.exc

from tests.infra.workspace import ROOT

SOURCES = [ROOT / "backend", ROOT / "services", ROOT / "scripts", ROOT / "benchmarks"]
_ENGINE_FACTORIES = {"create_engine", "create_async_engine"}


def _python_files() -> list[Path]:
    files = []
    for top in SOURCES:
        for path in top.rglob("*.py"):
            parts = set(path.relative_to(ROOT).parts)
            if not parts & {"tests", "node_modules", ".venv", "migrations"}:
                files.append(path)
    return files


def _keywords(call: ast.Call) -> set[str]:
    return {k.arg for k in call.keywords if k.arg}


def problems_in(source: str, where: str) -> list[str]:
    """The Postgres connections opened in ``source`` without a connect timeout."""
    tree = ast.parse(source)
    # Local names of SQLAlchemy's engine factories in this module (``create_engine as create_sync_engine``);
    # a call with ``**options`` passes the check (the shared factory: tested by behaviour below).
    engines = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy")
        for alias in node.names
        if alias.name in _ENGINE_FACTORIES
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = ast.unparse(node.func)
        if name in ("psycopg.connect", "psycopg.AsyncConnection.connect", "psycopg.Connection.connect"):
            if "connect_timeout" not in _keywords(node):
                found.append(f"{where}:{node.lineno}: {name}() without connect_timeout")
        elif name in engines and not {"connect_args", None} & {k.arg for k in node.keywords}:
            found.append(f"{where}:{node.lineno}: SQLAlchemy {name}() without connect_args")
    return found


def test_every_postgres_connection_in_the_source_has_a_connect_timeout() -> None:
    problems = []
    for path in _python_files():
        problems += problems_in(path.read_text(), str(path.relative_to(ROOT)))
    assert problems == []


def test_the_shared_engine_gives_up_on_a_silent_server() -> None:
    # The shared factory passes its options as ``**settings``, which the static check cannot read.
    from portfolio_shared.health import DB_CONNECT_TIMEOUT_S
    from portfolio_shared.sql import create_engine

    async def connect(url: str) -> None:
        engine = create_engine(url)
        try:
            async with engine.connect():
                pass
        finally:
            await engine.dispose()

    with socket.socket() as silent:  # the kernel accepts connections; nobody ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        started = time.monotonic()
        with pytest.raises(sqlalchemy.exc.OperationalError):
            asyncio.run(connect(f"postgresql://postgres@127.0.0.1:{silent.getsockname()[1]}/x"))
        assert time.monotonic() - started < DB_CONNECT_TIMEOUT_S + 3


def test_django_passes_it() -> None:
    base = (ROOT / "backend" / "config" / "settings" / "base.py").read_text()
    # As an item assignment or a keyword of OPTIONS.update(...).
    assert re.search(r'connect_timeout"?\]?\s*=\s*DB_CONNECT_TIMEOUT_S', base)


def test_the_check_notices_a_missing_timeout() -> None:
    source = (
        "import psycopg\nfrom sqlalchemy import create_engine as make\n"
        "psycopg.connect(url)\nmake(url)\nmake(url, connect_args={'connect_timeout': 5})\n"
        "psycopg.connect(url, connect_timeout=5)\n"
    )
    assert problems_in(source, "x.py") == [
        "x.py:3: psycopg.connect() without connect_timeout",
        "x.py:4: SQLAlchemy make() without connect_args",
    ]
