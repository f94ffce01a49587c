"""Document processor settings: DESIGN.md's variables and their defaults."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from portfolio_documents.config import DocumentsSettings
from portfolio_documents.runtime import fetch_limits

VARIABLES = (
    "GITHUB_API_URL",
    "GITHUB_TOKEN",
    "MAX_UPLOAD_MB",
    "CHROMA_URL",
    "EMBEDDING_PROVIDER",
    "GCS_BUCKET",
)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("GCS_BUCKET", raising=False)
    settings = DocumentsSettings()
    assert settings.service_name == "documents"
    assert settings.github_api_url == "https://api.github.com"
    assert settings.github_token is None
    assert settings.max_upload_bytes == 50 * 1024 * 1024
    assert settings.chroma_heartbeat_url == "http://127.0.0.1:8004/api/v2/heartbeat"
    assert settings.embedding_provider == "local"
    assert settings.gcs_bucket is None


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_example")
    monkeypatch.setenv("MAX_UPLOAD_MB", "5")
    monkeypatch.setenv("CHROMA_URL", "http://chroma:8000/")
    monkeypatch.setenv("WEBHOOK_SECRETS_DOCUMENTS", "one,two")
    settings = DocumentsSettings()
    assert settings.github_token is not None and settings.github_token.get_secret_value() == "ghp_example"
    assert "ghp_example" not in repr(settings)
    assert settings.max_upload_bytes == 5 * 1024 * 1024
    assert settings.chroma_heartbeat_url == "http://chroma:8000/api/v2/heartbeat"
    assert settings.webhook_signing_secrets == ["one", "two"]


def test_unknown_embedding_provider_is_refused() -> None:
    with pytest.raises(ValidationError):
        DocumentsSettings(EMBEDDING_PROVIDER="openai")


def test_outbound_fetches_dial_80_and_443_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OUTBOUND_ALLOWED_PORTS", raising=False)
    assert fetch_limits(DocumentsSettings()).allowed_ports == {80, 443}
    assert DocumentsSettings(OUTBOUND_ALLOWED_PORTS="443, 8443").outbound_ports == {443, 8443}
    monkeypatch.setenv("OUTBOUND_ALLOWED_PORTS", "*")
    assert fetch_limits(DocumentsSettings()).allowed_ports is None
    for wrong in ("", "http", "80,", "0", "70000", "80;443"):
        with pytest.raises(ValidationError, match="OUTBOUND_ALLOWED_PORTS"):
            DocumentsSettings(OUTBOUND_ALLOWED_PORTS=wrong)
