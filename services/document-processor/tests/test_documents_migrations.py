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

from portfolio_documents import models  # noqa: F401 - registers the tables
from portfolio_documents.db import Base, sqlalchemy_url
from portfolio_documents.migrate import downgrade, upgrade
from portfolio_shared.health import libpq_url

REPO_ROOT = Path(__file__).resolve().parents[3]
TABLES = {"alembic_version", "processing_job", "document", "outbox_message", "outbox_attempt"}


def tables(database_url: str) -> set[str]:
    with psycopg.connect(libpq_url(database_url)) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {row[0] for row in rows}


def test_upgrade_downgrade_upgrade(new_database_url: Callable[[], str]) -> None:
    url = new_database_url()
    upgrade(url)
    assert tables(url) == TABLES
    downgrade(url, "base")
    assert tables(url) == {"alembic_version"}
    upgrade(url)
    assert tables(url) == TABLES


def test_document_key_is_unique(database_url: str) -> None:
    key = "unique-check"
    insert = "INSERT INTO document (document_key, source_type, content_sha256) VALUES (%s, 'text', %s)"
    with psycopg.connect(libpq_url(database_url)) as conn:
        conn.execute(insert, (key, "a" * 64))
        try:
            conn.execute(insert, (key, "b" * 64))
        except psycopg.errors.UniqueViolation:
            conn.rollback()
        else:
            raise AssertionError("a second document with the same key was accepted")


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
    result = subprocess.run(
        [sys.executable, "-m", "portfolio_documents.migrate"],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert tables(url) == TABLES
