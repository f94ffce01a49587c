"""How ``python -m portfolio_shared.outbox`` reads its configuration (the process itself is tested
end to end in test_outbox_concurrency.py)."""

from __future__ import annotations

import pytest

from portfolio_shared.auth import SignedTokenProvider, SigningKey, verify_token
from portfolio_shared.outbox.cli import resolve_config
from portfolio_shared.settings import DEV_SECRET, PlaceholderSecretError

KEY = SigningKey.generate()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "ENVIRONMENT",
        "DATABASE_URL",
        "CORE_URL",
        "DOCUMENTS_URL",
        "OUTBOX_SENDER",
        "WEBHOOK_SECRETS_SCRAPER",
        "SERVICE_AUTH_MODE",
        "SERVICE_SIGNING_KEY",
        "OUTBOX_BATCH_SIZE",
        "OUTBOX_MAX_ATTEMPTS",
        "OUTBOX_METRICS_PORT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/portfolio_scraper")


def test_targets_secrets_and_tuning_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTBOX_SENDER", "Scraper")
    monkeypatch.setenv("CORE_URL", "http://core.internal:9000/")
    monkeypatch.setenv("WEBHOOK_SECRETS_SCRAPER", "new-secret, old-secret")
    monkeypatch.setenv("SERVICE_SIGNING_KEY", KEY.pem())
    monkeypatch.setenv("OUTBOX_MAX_ATTEMPTS", "7")
    monkeypatch.setenv("OUTBOX_METRICS_PORT", "9101")
    config = resolve_config([])
    assert config.sender == "scraper"
    assert config.database_url.endswith("/portfolio_scraper")
    assert config.targets["core"] == "http://core.internal:9000"
    assert set(config.targets) == {"core", "scraper", "analytics", "documents"}
    assert config.webhook_secrets["core"] == ["new-secret", "old-secret"]
    assert config.options["max_attempts"] == 7 and config.metrics_port == 9101
    assert isinstance(config.token_provider, SignedTokenProvider)
    token = config.token_provider.get_token(config.audiences["core"])
    principal = verify_token(token, audience="core", keys={"scraper": [KEY.public()]})
    assert principal.caller == "scraper"


def test_flags_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_SECRETS_SCRAPER", "shared")
    config = resolve_config(
        [
            "--sender=scraper",
            "--database-url=postgresql://elsewhere/db",
            "--target=core=http://127.0.0.1:18000",
            "--secret=core=rotated-in",
            "--batch-size=3",
        ]
    )
    assert config.database_url == "postgresql://elsewhere/db"
    assert config.targets["core"] == "http://127.0.0.1:18000"
    assert config.webhook_secrets["core"] == ["rotated-in", "shared"]
    assert config.webhook_secrets["documents"] == ["shared"]
    assert config.options["batch_size"] == 3


def test_development_falls_back_to_the_dev_secret() -> None:
    config = resolve_config(["--sender", "documents"])
    assert config.webhook_secrets["core"] == [DEV_SECRET]


def test_oidc_mode_asks_for_tokens_whose_audience_is_the_target_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_AUTH_MODE", "oidc")
    monkeypatch.setenv("DOCUMENTS_URL", "https://documents.example.test/")
    config = resolve_config(["--sender", "core"])
    assert config.audiences["documents"] == "https://documents.example.test"


def test_production_refuses_missing_or_placeholder_webhook_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SERVICE_SIGNING_KEY", KEY.text())
    with pytest.raises(PlaceholderSecretError, match="WEBHOOK_SECRETS_SCRAPER"):
        resolve_config(["--sender", "scraper"])
    monkeypatch.setenv("WEBHOOK_SECRETS_SCRAPER", "changeme")
    with pytest.raises(PlaceholderSecretError, match="WEBHOOK_SECRETS_SCRAPER"):
        resolve_config(["--sender", "scraper"])
    real = "a-real-webhook-secret-of-32-chars-or-more"
    monkeypatch.setenv("WEBHOOK_SECRETS_SCRAPER", real)
    assert resolve_config(["--sender", "scraper"]).webhook_secrets["core"] == [real]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (f"a-real-webhook-secret-of-32-chars-or-more,{DEV_SECRET}", "placeholder"),
        (f"{DEV_SECRET}, a-real-webhook-secret-of-32-chars-or-more", "placeholder"),
        ("a-real-webhook-secret-of-32-chars-or-more,short-old-one", "at least 32"),
    ],
)
def test_production_checks_every_element_of_the_rotation_list(
    monkeypatch: pytest.MonkeyPatch, value: str, problem: str
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SERVICE_SIGNING_KEY", KEY.text())
    monkeypatch.setenv("WEBHOOK_SECRETS_SCRAPER", value)
    with pytest.raises(PlaceholderSecretError, match=f"WEBHOOK_SECRETS_SCRAPER.*{problem}"):
        resolve_config(["--sender", "scraper"])


def test_sender_and_database_are_required(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit):
        resolve_config([])
    monkeypatch.delenv("DATABASE_URL")
    with pytest.raises(SystemExit):
        resolve_config(["--sender", "scraper"])


def test_a_webhook_only_sender_needs_no_private_key_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("WEBHOOK_SECRETS_SCRAPER", "a-real-webhook-secret-of-32-chars-or-more")
    assert resolve_config(["--sender", "scraper"]).token_provider is None
