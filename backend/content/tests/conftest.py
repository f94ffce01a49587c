"""Fixtures of the content tests: uploads go to a temporary MEDIA_ROOT, SITE_URL is fixed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.SITE_URL = "https://portfolio.test"
    return root
