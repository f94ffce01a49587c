"""Fixtures the deployment checks share: the Cloud Run manifests and the IAM bindings, as the
render script reads them (one load per test module)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra import cloudrun_model as m


@pytest.fixture(scope="module")
def manifests() -> m.Manifests:
    return m.load()


@pytest.fixture(scope="module")
def iam() -> dict[str, Any]:
    return m.load_iam()
