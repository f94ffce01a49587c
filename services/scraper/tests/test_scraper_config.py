"""Scraper settings: DESIGN.md's variables, their defaults, and fail-fast secrets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from portfolio_scraper.config import ScraperSettings
from portfolio_shared.settings import PlaceholderSecretError


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ARXIV_API_URL", "HF_API_URL", "PWC_API_URL", "ARXIV_CATEGORIES", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = ScraperSettings()
    assert settings.service_name == "scraper"
    assert settings.arxiv_api_url == "https://export.arxiv.org/api/query"
    assert settings.hf_api_url == "https://huggingface.co/api"
    assert settings.pwc_api_url == "https://paperswithcode.co/api/v1"
    assert settings.arxiv_categories == ["cs.AI", "cs.LG", "cs.CL"]
    assert settings.database_url.endswith("/portfolio_scraper")


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARXIV_CATEGORIES", "cs.CV, stat.ML")
    monkeypatch.setenv("INGEST_RELEVANCE_THRESHOLD", "55.5")
    monkeypatch.setenv("WEBHOOK_SECRETS_SCRAPER", "new-secret, old-secret")
    monkeypatch.setenv("ARXIV_API_URL", "http://127.0.0.1:9999/api/query")
    settings = ScraperSettings()
    assert settings.arxiv_categories == ["cs.CV", "stat.ML"]
    assert settings.ingest_relevance_threshold == 55.5
    assert settings.webhook_signing_secrets == ["new-secret", "old-secret"]
    assert "new-secret" not in repr(settings)
    assert settings.arxiv_api_url == "http://127.0.0.1:9999/api/query"


def test_threshold_is_bounded() -> None:
    with pytest.raises(ValidationError):
        ScraperSettings(INGEST_RELEVANCE_THRESHOLD=101)


def test_production_refuses_the_placeholder_webhook_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEBHOOK_SECRETS_SCRAPER", raising=False)
    with pytest.raises((PlaceholderSecretError, ValidationError), match="WEBHOOK_SECRETS_SCRAPER"):
        ScraperSettings(ENVIRONMENT="production")
    monkeypatch.setenv("WEBHOOK_SECRETS_SCRAPER", "a-real-webhook-secret-0123456789")
    assert ScraperSettings(ENVIRONMENT="production").environment == "production"
