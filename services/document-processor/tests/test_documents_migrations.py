"""The document processor's migrations go up and down cleanly, enforce unique document keys and
match the models; its migrate command creates the database."""

from __future__ import annotations

from pathlib import Path

import psycopg

from portfolio_documents import models  # noqa: F401 - registers the tables
from portfolio_documents.db import Base
from portfolio_documents.migrate import SCRIPT_LOCATION
from portfolio_shared.health import libpq_url
from portfolio_shared.sql import run_migrations, schema_diff
from portfolio_shared.testing import migration_round_trip, public_tables, run_module, temporary_database

REPO_ROOT = Path(__file__).resolve().parents[3]
DATABASE_PREFIX = "test_portfolio_documents"
TABLES = {"alembic_version", "processing_job", "document", "chunk", "outbox_message", "outbox_attempt"}


def test_upgrade_downgrade_upgrade() -> None:
    with temporary_database(prefix=DATABASE_PREFIX) as url:
        assert migration_round_trip(SCRIPT_LOCATION, url) == [TABLES, {"alembic_version"}, TABLES]


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
    assert schema_diff(database_url, Base.metadata) == []


def test_migrate_command_creates_the_database_from_the_repo_root() -> None:
    with temporary_database(prefix=DATABASE_PREFIX, create=False) as url:
        result = run_module("portfolio_documents.migrate", env={"DATABASE_URL": url}, cwd=REPO_ROOT)
        assert result.returncode == 0, result.stderr
        assert public_tables(url) == TABLES


def test_0003_reweights_chunks_already_stored() -> None:
    """Rows stored under 0002 (headings A, text B, no title) get title A, headings B, text D."""
    chunk = (
        "INSERT INTO chunk (id, document_id, document_key, chunk_index, text, heading_path, char_start, "
        "char_end, metadata) VALUES ('c0', %s, 'project:evalkit', 0, 'Scores every prompt change.', "
        """'["Usage"]', 0, 27, '{"title": "evalkit reproducible evaluation"}')"""
    )
    weighted = "SELECT tsv @@ %s::tsquery FROM chunk WHERE id = 'c0'"
    with temporary_database(prefix=DATABASE_PREFIX) as url:
        run_migrations(SCRIPT_LOCATION, url, "upgrade", "0002")
        with psycopg.connect(libpq_url(url)) as conn:
            document_id = conn.execute(
                "INSERT INTO document (document_key, source_type, content_sha256) "
                "VALUES ('project:evalkit', 'text', %s) RETURNING id",
                ("c" * 64,),
            ).fetchone()
            assert document_id is not None
            conn.execute(chunk, (document_id[0],))
            conn.commit()
            assert not conn.execute(weighted, ("evalkit",)).fetchone()[0]  # type: ignore[index]
            assert conn.execute(weighted, ("usag:A",)).fetchone()[0]  # type: ignore[index]

        run_migrations(SCRIPT_LOCATION, url, "upgrade", "head")
        with psycopg.connect(libpq_url(url)) as conn:
            for query, expected in (
                ("evalkit:A", True),  # the title, now indexed, weighs most
                ("evalkit:BD", False),
                ("usag:B", True),  # headings
                ("usag:A", False),
                ("score:D", True),  # body text
                ("score:ABC", False),
            ):
                assert conn.execute(weighted, (query,)).fetchone()[0] is expected, query  # type: ignore[index]
            index = conn.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_chunk_tsv'"
            ).fetchone()
            assert index is not None and "gin (tsv)" in index[0]  # rebuilt on the new column

        run_migrations(SCRIPT_LOCATION, url, "downgrade", "0002")
        with psycopg.connect(libpq_url(url)) as conn:
            assert conn.execute(weighted, ("usag:A",)).fetchone()[0]  # type: ignore[index]
            assert not conn.execute(weighted, ("evalkit",)).fetchone()[0]  # type: ignore[index]
