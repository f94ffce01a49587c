"""Scraper settings, from the environment only (see ``.env.example``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from croniter import croniter
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from portfolio_shared.settings import DEV_SECRET, ServiceSettings, webhook_secrets

SERVICE = "scraper"


class ScraperSettings(ServiceSettings):
    service_name: str = SERVICE
    database_url: str = Field(
        default="postgresql+psycopg://postgres@127.0.0.1:5432/portfolio_scraper", alias="DATABASE_URL"
    )

    arxiv_api_url: str = Field(default="https://export.arxiv.org/api/query", alias="ARXIV_API_URL")
    hf_api_url: str = Field(default="https://huggingface.co/api", alias="HF_API_URL")
    pwc_api_url: str = Field(default="https://paperswithcode.co/api/v1", alias="PWC_API_URL")
    #: Comma-separated in the environment: ``cs.AI,cs.LG,cs.CL``.
    arxiv_categories: Annotated[list[str], NoDecode] = Field(
        default=["cs.AI", "cs.LG", "cs.CL"], alias="ARXIV_CATEGORIES"
    )
    #: Cron expression (UTC) of the in-process daily scrape; empty turns it off. Cloud Scheduler
    #: (``POST /scrape``) is the production trigger, so production sets it empty.
    scrape_schedule: str = Field(default="0 2 * * *", alias="SCRAPE_SCHEDULE")
    #: The owner's interests, comma-separated (weight 1): the fallback of the relevance keywords the
    #: owner edits in core's admin, used while core has none or cannot be asked.
    interest_keywords: Annotated[list[str], NoDecode] = Field(
        default=["large language models", "retrieval-augmented generation", "agents", "MLOps"],
        alias="INTEREST_KEYWORDS",
    )
    #: Papers per bulk request to core (core accepts up to 2,000; smaller requests are kinder).
    delivery_batch_size: int = Field(default=500, ge=1, le=2000, alias="DELIVERY_BATCH_SIZE")
    #: Papers scoring at least this relevance (0-100) are also sent to the document processor.
    ingest_relevance_threshold: float = Field(default=70.0, ge=0, le=100, alias="INGEST_RELEVANCE_THRESHOLD")
    #: Signing secrets of the scraper's webhooks, comma-separated, newest first (rotation).
    webhook_secrets_scraper: SecretStr = Field(default=SecretStr(DEV_SECRET), alias="WEBHOOK_SECRETS_SCRAPER")

    @field_validator("arxiv_categories", "interest_keywords", mode="before")
    @classmethod
    def _split_categories(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("scrape_schedule")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        value = value.strip()
        if value and not croniter.is_valid(value):
            raise ValueError(f"SCRAPE_SCHEDULE is not a cron expression: {value!r}")
        return value

    @property
    def webhook_signing_secrets(self) -> list[str]:
        """The rotation list; the first secret signs."""
        return webhook_secrets(self.webhook_secrets_scraper.get_secret_value())


@lru_cache
def get_settings() -> ScraperSettings:
    """The process's settings, read once. Tests build their own or call ``get_settings.cache_clear()``."""
    return ScraperSettings()
