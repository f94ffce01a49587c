"""portfolio_shared.sql and portfolio_shared.testing against the real Postgres.

Migrations run on a tiny Alembic script directory written into ``tmp_path`` (a ``widget`` table,
then the outbox tables), whose ``env.py`` is the same one-call body the services use.
"""

from __future__ import annotations

import logging
import textwrap
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from alembic import command
from fastapi import FastAPI
from sqlalchemy import Column, Integer, MetaData, String, Table, text

from portfolio_shared.sql import (
    alembic_config,
    create_database,
    create_engine,
    database_exists,
    drop_database,
    ensure_database,
    run_migrations,
    schema_diff,
    session_factory,
    sqlalchemy_url,
)
from portfolio_shared.sql.admin import database_name
from portfolio_shared.sql.cli import migrate_command
from portfolio_shared.sql.fastapi import SessionDep
from portfolio_shared.testing import (
    database_url,
    migration_round_trip,
    public_tables,
    server_url,
    temporary_database,
)

PREFIX = "test_shared_sql"
WIDGET_TABLES = {"alembic_version", "widget"}
ALL_TABLES = WIDGET_TABLES | {"outbox_message", "outbox_attempt"}

ENV_PY = """
import os

from portfolio_shared.sql import configure_env
from sqlalchemy import MetaData

configure_env(MetaData(), fallback_url=lambda: os.environ.get("TINY_DATABASE_URL"))
"""

WIDGET_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "widget",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(40), nullable=False),
    )


def downgrade():
    op.drop_table("widget")
"""

OUTBOX_REVISION = """
from alembic import op

from portfolio_shared.outbox import OUTBOX_DDL, OUTBOX_DROP_DDL

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(OUTBOX_DDL)


def downgrade():
    op.execute(OUTBOX_DROP_DDL)
"""


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    """A throwaway Alembic script directory: ``widget`` at 0001, the outbox tables at 0002."""
    root = tmp_path / "migrations"
    (root / "versions").mkdir(parents=True)
    (root / "env.py").write_text(textwrap.dedent(ENV_PY))
    (root / "versions" / "0001_widget.py").write_text(textwrap.dedent(WIDGET_REVISION))
    (root / "versions" / "0002_outbox.py").write_text(textwrap.dedent(OUTBOX_REVISION))
    return root


def widget_metadata() -> MetaData:
    """The models that match revision 0001 (the outbox tables are never modelled)."""
    metadata = MetaData()
    Table(
        "widget",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(40), nullable=False),
    )
    return metadata


# --- URLs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgresql://u@h/db?sslmode=disable", "postgresql+psycopg://u@h/db?sslmode=disable"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("not a url", "not a url"),
    ],
)
def test_sqlalchemy_url_puts_psycopg_on_postgres_schemes(given: str, expected: str) -> None:
    assert sqlalchemy_url(given) == expected


def test_database_url_replaces_only_the_database() -> None:
    url = database_url("postgresql+psycopg://app:s3cret@db.internal:6543/postgres?sslmode=require", "other")
    assert url == "postgresql+psycopg://app:s3cret@db.internal:6543/other?sslmode=require"


def test_a_url_without_a_database_is_refused() -> None:
    with pytest.raises(ValueError, match="names no database"):
        database_name("postgresql://postgres:hunter2@127.0.0.1:5432")
    with pytest.raises(ValueError) as excinfo:
        database_name("postgresql://postgres:hunter2@127.0.0.1:5432")
    assert "hunter2" not in str(excinfo.value)


# --- create / drop ------------------------------------------------------------------------------


def test_create_exists_drop() -> None:
    with temporary_database(prefix=PREFIX, create=False) as url:
        assert database_exists(url) is False
        assert create_database(url) is True
        assert database_exists(url) is True
        assert create_database(url, exist_ok=True) is False
        with pytest.raises(psycopg.errors.DuplicateDatabase):
            create_database(url)
        assert public_tables(url) == set()
        drop_database(url)
        assert database_exists(url) is False
        drop_database(url)  # dropping what is gone is not an error


def test_ensure_database_creates_once() -> None:
    with temporary_database(prefix=PREFIX, create=False) as url:
        assert ensure_database(url) is True
        assert ensure_database(url) is False
        assert database_exists(url) is True


def test_drop_database_with_force_ends_open_sessions() -> None:
    with temporary_database(prefix=PREFIX) as url:
        held = psycopg.connect(url)
        try:
            drop_database(url, force=True)
            assert database_exists(url) is False
            with pytest.raises(psycopg.OperationalError):
                held.execute("SELECT 1")
        finally:
            held.close()


def test_temporary_database_is_dropped_even_when_the_block_fails() -> None:
    seen: list[str] = []
    with pytest.raises(RuntimeError), temporary_database(prefix=PREFIX) as url:
        seen.append(url)
        assert database_exists(url)
        raise RuntimeError("the test failed")
    assert database_name(seen[0]).startswith(f"{PREFIX}_")
    assert database_exists(seen[0]) is False


def test_temporary_databases_have_unique_names_on_the_configured_server() -> None:
    with temporary_database(prefix=PREFIX) as first, temporary_database(prefix=PREFIX) as second:
        assert first != second
        assert first.rsplit("/", 1)[0] == server_url().rsplit("/", 1)[0]


# --- migrations -------------------------------------------------------------------------------


def test_run_migrations_up_and_down(scripts: Path) -> None:
    with temporary_database(prefix=PREFIX) as url:
        run_migrations(str(scripts), url)
        assert public_tables(url) == ALL_TABLES
        run_migrations(scripts, url, "downgrade", "-1")
        assert public_tables(url) == WIDGET_TABLES
        run_migrations(scripts, url, "downgrade", "base")
        assert public_tables(url) == {"alembic_version"}
        run_migrations(scripts, url, "upgrade", "0001")
        assert public_tables(url) == WIDGET_TABLES


def test_migration_round_trip_reports_each_step(scripts: Path) -> None:
    with temporary_database(prefix=PREFIX) as url:
        assert migration_round_trip(str(scripts), url) == [ALL_TABLES, {"alembic_version"}, ALL_TABLES]


def test_run_migrations_reads_an_alembic_ini(scripts: Path) -> None:
    ini = scripts.parent / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    with temporary_database(prefix=PREFIX) as url:
        run_migrations(ini, url)
        assert public_tables(url) == ALL_TABLES


def test_run_migrations_refuses_an_unknown_action(scripts: Path) -> None:
    with pytest.raises(ValueError, match="sideways"):
        run_migrations(scripts, "postgresql://postgres@127.0.0.1/x", "sideways", "head")  # type: ignore[arg-type]


def test_env_falls_back_to_the_callers_url(scripts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with temporary_database(prefix=PREFIX) as url:
        config = alembic_config(scripts, url)
        del config.attributes["database_url"]  # as the alembic CLI would run it
        monkeypatch.setenv("TINY_DATABASE_URL", url)
        command.upgrade(config, "0001")
        assert public_tables(url) == WIDGET_TABLES
        monkeypatch.delenv("TINY_DATABASE_URL")
        with pytest.raises(RuntimeError, match="no database URL"):
            command.upgrade(config, "head")


def test_offline_mode_renders_sql(scripts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = alembic_config(scripts, "postgresql://postgres@127.0.0.1:1/never_connected")
    command.upgrade(config, "0001", sql=True)
    assert "CREATE TABLE widget" in capsys.readouterr().out


def test_schema_diff_skips_the_outbox_and_sees_the_rest(scripts: Path) -> None:
    with temporary_database(prefix=PREFIX) as url:
        run_migrations(scripts, url)
        assert schema_diff(url, widget_metadata()) == []
        ahead = widget_metadata()
        Table("gadget", ahead, Column("id", Integer, primary_key=True))
        diff = schema_diff(url, ahead)
        assert [(step[0], step[1].name) for step in diff] == [("add_table", "gadget")]


# --- the migrate command --------------------------------------------------------------------


@dataclass
class FakeSettings:
    database_url: str | None
    log_level: str = "INFO"


def test_migrate_command_creates_upgrades_and_downgrades(scripts: Path) -> None:
    with temporary_database(prefix=PREFIX, create=False) as url:
        main = migrate_command("tiny", str(scripts), lambda: FakeSettings(url))
        assert main([]) == 0
        assert public_tables(url) == ALL_TABLES
        assert main(["downgrade"]) == 0  # one step by default
        assert public_tables(url) == WIDGET_TABLES
        assert main(["downgrade", "base"]) == 0
        assert public_tables(url) == {"alembic_version"}


def test_migrate_command_says_when_postgres_is_down(scripts: Path, caplog: pytest.LogCaptureFixture) -> None:
    main = migrate_command("tiny", str(scripts), lambda: FakeSettings("postgresql://u:pw@127.0.0.1:1/tiny"))
    with caplog.at_level(logging.ERROR):
        assert main([]) == 1
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "cannot reach Postgres" in record.getMessage()
    assert "u:***@127.0.0.1:1" in record.getMessage()


def test_migrate_command_needs_a_database_url(scripts: Path, caplog: pytest.LogCaptureFixture) -> None:
    main = migrate_command("tiny", str(scripts), lambda: FakeSettings(None))
    with caplog.at_level(logging.ERROR):
        assert main([]) == 1
    assert "DATABASE_URL is not set" in caplog.text


# --- engine, sessions and the FastAPI dependency -------------------------------------------


async def test_engine_and_sessions_reach_the_database(scripts: Path) -> None:
    with temporary_database(prefix=PREFIX) as url:
        run_migrations(scripts, url, "upgrade", "0001")
        engine = create_engine(url.replace("postgresql://", "postgres://", 1))
        try:
            assert engine.dialect.driver == "psycopg"
            sessions = session_factory(engine)
            async with sessions() as session:
                await session.execute(text("INSERT INTO widget (name) VALUES ('kept')"))
                await session.commit()
            async with sessions() as session:
                names = (await session.execute(text("SELECT name FROM widget"))).scalars().all()
            assert names == ["kept"]
        finally:
            await engine.dispose()


async def test_session_dep_hands_a_session_to_a_route(scripts: Path) -> None:
    with temporary_database(prefix=PREFIX) as url:
        run_migrations(scripts, url, "upgrade", "0001")
        engine = create_engine(url)
        app = FastAPI()
        app.state.sessions = session_factory(engine)

        @app.post("/widgets/{name}")
        async def add(name: str, session: SessionDep) -> dict[str, int]:
            await session.execute(text("INSERT INTO widget (name) VALUES (:name)"), {"name": name})
            await session.commit()
            count = (await session.execute(text("SELECT count(*) FROM widget"))).scalar_one()
            return {"count": count}

        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                first = await client.post("/widgets/a")
                second = await client.post("/widgets/b")
            assert (first.json(), second.json()) == ({"count": 1}, {"count": 2})
        finally:
            await engine.dispose()
