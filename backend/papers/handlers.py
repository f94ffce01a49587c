"""Webhook handlers of the papers app, registered with ``webhooks.services`` when the app is ready."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from papers.services import record_scraper_job
from portfolio_shared.errors import ValidationFailed
from portfolio_shared.schemas import SCRAPER_JOB_COMPLETED, ScraperJobCompleted
from webhooks.services import register


@register("scraper", SCRAPER_JOB_COMPLETED)
def scraper_job_completed(data: Mapping[str, Any]) -> None:
    """Mirror the finished job; a body that does not validate is refused (422) and not recorded."""
    try:
        event = ScraperJobCompleted.model_validate(dict(data))
    except ValidationError as exc:
        raise ValidationFailed(
            "the scraper.job.completed data does not validate",
            details={"errors": exc.errors(include_url=False, include_context=False, include_input=False)},
        ) from None
    record_scraper_job(event=event)
