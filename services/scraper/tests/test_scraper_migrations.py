"""Migrations create the database, go up and down cleanly, and match the models."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from portfolio_scraper import models  # noqa: F401 - registers the tables
from portfolio_scraper.db import Base, sqlalchemy_url
from portfolio_scraper.migrate import downgrade, ensure_database, upgrade
from portfolio_shared.health import libpq_url

REPO_ROOT = Path(__file__).resolve().parents[3]


def tables(database_url: str) -> set[str]:
    with psycopg.connect(libpq_url(database_url)) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {row[0] for row in rows}


def test_ensure_database_creates_once(new_database_url: Callable[[], str]) -> None:
    url = new_database_url()
    assert ensure_database(url) is True
    assert ensure_database(url) is False
    assert tables(url) == set()


def test_upgrade_downgrade_upgrade(new_database_url: Callable[[], str]) -> None:
    url = new_database_url()
    expected = {"alembic_version", "scrape_job", "outbox_message", "outbox_attempt"}
    upgrade(url)
    assert tables(url) == expected
    downgrade(url, "base")
    assert tables(url) == {"alembic_version"}
    upgrade(url)
    assert tables(url) == expected


def test_models_match_the_migrations(database_url: str) -> None:
    engine = create_engine(sqlalchemy_url(database_url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "include_object": lambda obj, name, type_, reflected, compare_to: (
                        not (type_ == "table" and str(name).startswith("outbox_"))
                    )
                },
            )
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_migrate_command_from_the_repo_root(new_database_url: Callable[[], str]) -> None:
    url = new_database_url()
    env = {**os.environ, "DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-m", "portfolio_scraper.migrate"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "scrape_job" in tables(url)
    # The alembic CLI with the checked-in ini sees the same head.
    current = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", "services/scraper/alembic.ini", "current"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert current.returncode == 0, current.stderr
    assert "0001 (head)" in current.stdout


def test_migrate_command_says_when_postgres_is_down() -> None:
    env = {**os.environ, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/portfolio_scraper"}
    result = subprocess.run(
        [sys.executable, "-m", "portfolio_scraper.migrate"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "cannot reach Postgres" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
