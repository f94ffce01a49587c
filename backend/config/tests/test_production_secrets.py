"""Core refuses to start in production with a weak DJANGO_SECRET_KEY or webhook secret."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from config.env import CoreSettings
from portfolio_shared.settings import DEV_SECRET


def production(**env: Any) -> CoreSettings:
    values = {
        "ENVIRONMENT": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        **{f"WEBHOOK_SECRETS_{s}": secrets.token_urlsafe(32) for s in ("SCRAPER", "DOCUMENTS", "CORE")},
    }
    return CoreSettings.model_validate({**values, **env})


def test_strong_secrets_start() -> None:
    assert production().environment == "production"


def test_a_django_secret_key_under_50_characters_is_refused() -> None:
    with pytest.raises(ValueError, match="DJANGO_SECRET_KEY needs at least 50 characters"):
        production(DJANGO_SECRET_KEY="x" * 49)


def test_the_development_webhook_secret_is_refused_even_behind_a_real_one() -> None:
    with pytest.raises(ValueError, match="WEBHOOK_SECRETS_DOCUMENTS is missing or holds a placeholder"):
        production(WEBHOOK_SECRETS_DOCUMENTS=f"{secrets.token_urlsafe(32)},{DEV_SECRET}")
