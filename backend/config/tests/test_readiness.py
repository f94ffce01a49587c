"""``/ready`` checks the database Django uses, in every DATABASE_URL form, Cloud SQL's socket one included."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

#: Nothing listens on this port over TCP: a check that dials 127.0.0.1 instead of the socket fails.
SOCKET_ONLY_PORT = 6543


@pytest.fixture
def short_dir() -> Iterator[Path]:
    # A unix socket path may not exceed 107 bytes: pytest's tmp_path can be longer than that.
    path = Path(tempfile.mkdtemp(prefix="pg", dir="/tmp"))
    yield path
    shutil.rmtree(path)


def server_socket(tmp_path: Path) -> Path:
    """A socket directory of our own whose ``.s.PGSQL.<SOCKET_ONLY_PORT>`` is the local server's socket.

    Cloud Run mounts the Cloud SQL Auth Proxy's socket the same way, in a directory of its own.
    """
    with connection.cursor() as cursor:
        cursor.execute("SHOW unix_socket_directories")
        directories = cursor.fetchone()[0]
    real = next(
        (Path(d.strip()) / ".s.PGSQL.5432" for d in directories.split(",") if d.strip()),
        None,
    )
    assert real is not None and real.exists(), f"the local Postgres has no unix socket ({directories!r})"
    socket_dir = tmp_path / "cloudsql" / "proj:reg:inst"
    socket_dir.mkdir(parents=True)
    os.symlink(real, socket_dir / f".s.PGSQL.{SOCKET_ONLY_PORT}")
    return socket_dir


def use_database_url(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Make Django's default connection settings those parsed from ``url``, as base.py does."""
    parsed = dj_database_url.parse(url)
    merged: dict[str, Any] = {**connections["default"].settings_dict, **parsed}
    monkeypatch.setattr(connections["default"], "settings_dict", merged)


def test_ready_reaches_the_database_through_the_cloud_sql_socket_form(
    api: APIClient, short_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    socket_dir = server_socket(short_dir)
    name = connection.settings_dict["NAME"]
    use_database_url(
        monkeypatch, f"postgresql://postgres:unused@:{SOCKET_ONLY_PORT}/{name}?host={socket_dir}"
    )
    response = api.get("/ready")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["postgres"]["ok"] is True


def test_ready_fails_when_the_configured_socket_has_no_server(
    api: APIClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Postgres does listen on 127.0.0.1:5432 here: only a check of the configured socket fails.
    empty = tmp_path / "cloudsql" / "nobody"
    empty.mkdir(parents=True)
    name = connection.settings_dict["NAME"]
    use_database_url(monkeypatch, f"postgresql://postgres@/{name}?host={empty}")
    response = api.get("/ready")
    assert response.status_code == 503
    assert response.json()["error"]["details"]["checks"]["postgres"]["ok"] is False
