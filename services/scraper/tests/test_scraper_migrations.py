"""The scraper's migrations go up and down cleanly and match the models; its migrate command works."""

from __future__ import annotations

from pathlib import Path

from portfolio_scraper import models  # noqa: F401 - registers the tables
from portfolio_scraper.db import Base
from portfolio_scraper.migrate import SCRIPT_LOCATION
from portfolio_shared.sql import schema_diff
from portfolio_shared.testing import migration_round_trip, public_tables, run_module, temporary_database

REPO_ROOT = Path(__file__).resolve().parents[3]
DATABASE_PREFIX = "test_portfolio_scraper"
TABLES = {
    "alembic_version",
    "scrape_job",
    "scrape_job_source",
    "seen_paper",
    "outbox_message",
    "outbox_attempt",
}


def test_upgrade_downgrade_upgrade() -> None:
    with temporary_database(prefix=DATABASE_PREFIX) as url:
        assert migration_round_trip(SCRIPT_LOCATION, url) == [TABLES, {"alembic_version"}, TABLES]


def test_models_match_the_migrations(database_url: str) -> None:
    assert schema_diff(database_url, Base.metadata) == []


def test_migrate_command_creates_the_database_from_the_repo_root() -> None:
    with temporary_database(prefix=DATABASE_PREFIX, create=False) as url:
        env = {"DATABASE_URL": url}
        result = run_module("portfolio_scraper.migrate", env=env, cwd=REPO_ROOT)
        assert result.returncode == 0, result.stderr
        assert public_tables(url) == TABLES
        # The alembic CLI with the checked-in ini sees the same head.
        current = run_module(
            "alembic", "-c", "services/scraper/alembic.ini", "current", env=env, cwd=REPO_ROOT
        )
        assert current.returncode == 0, current.stderr
        assert "0002 (head)" in current.stdout


def test_migrate_command_says_when_postgres_is_down() -> None:
    env = {"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/portfolio_scraper"}
    result = run_module("portfolio_scraper.migrate", env=env, cwd=REPO_ROOT)
    assert result.returncode == 1
    assert "cannot reach Postgres" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
