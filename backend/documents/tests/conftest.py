from __future__ import annotations

import pytest

from documents.tests.helpers import SECRET


@pytest.fixture(autouse=True)
def documents_webhook_secret(settings) -> None:  # type: ignore[no-untyped-def]
    settings.WEBHOOK_SECRETS = {**settings.WEBHOOK_SECRETS, "documents": [SECRET]}
