"""Production refuses weak secrets at start: placeholders and short values, anywhere in a rotation list."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from pydantic import Field, SecretStr

from portfolio_shared.settings import DEV_SECRET, ServiceSettings

STRONG = "w" * 32


class SenderSettings(ServiceSettings):
    """A service with a webhook rotation list and a long-secret requirement, like core's."""

    service_name: str = "scraper"
    secret_min_lengths: ClassVar[dict[str, int]] = {"APP_SECRET_KEY": 50}
    webhook_secrets_scraper: SecretStr = Field(default=SecretStr(DEV_SECRET), alias="WEBHOOK_SECRETS_SCRAPER")
    app_secret_key: SecretStr = Field(default=SecretStr("changeme"), alias="APP_SECRET_KEY")


def production(**env: Any) -> SenderSettings:
    values = {"ENVIRONMENT": "production", "WEBHOOK_SECRETS_SCRAPER": STRONG, "APP_SECRET_KEY": "k" * 50}
    return SenderSettings.model_validate({**values, **env})


def test_strong_secrets_start() -> None:
    assert production().environment == "production"
    assert production(WEBHOOK_SECRETS_SCRAPER=f"{STRONG}, {'o' * 40}").environment == "production"


@pytest.mark.parametrize(
    "value",
    [
        DEV_SECRET,
        f"{STRONG},{DEV_SECRET}",
        f"{DEV_SECRET}, {STRONG}",
        f"{STRONG},changeme",
        f"{STRONG},,{DEV_SECRET.upper()}",
        ",",
    ],
    ids=["dev-alone", "dev-last", "dev-first", "placeholder-last", "dev-upper-case", "empty-list"],
)
def test_a_placeholder_anywhere_in_a_rotation_list_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="WEBHOOK_SECRETS_SCRAPER is missing or holds a placeholder"):
        production(WEBHOOK_SECRETS_SCRAPER=value)
    # Development takes the same values.
    assert SenderSettings.model_validate({"WEBHOOK_SECRETS_SCRAPER": value}).environment == "development"


@pytest.mark.parametrize("value", ["w" * 31, f"{STRONG},{'o' * 31}"], ids=["short", "short-old-one"])
def test_webhook_secrets_need_32_characters_each(value: str) -> None:
    with pytest.raises(ValueError, match="WEBHOOK_SECRETS_SCRAPER needs at least 32 characters"):
        production(WEBHOOK_SECRETS_SCRAPER=value)


def test_a_service_sets_its_own_minimum_length_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="APP_SECRET_KEY needs at least 50 characters"):
        production(APP_SECRET_KEY="k" * 49)


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(ValueError) as refused:
        production(APP_SECRET_KEY="short-but-real", WEBHOOK_SECRETS_SCRAPER=DEV_SECRET)
    assert "APP_SECRET_KEY" in str(refused.value) and "WEBHOOK_SECRETS_SCRAPER" in str(refused.value)
