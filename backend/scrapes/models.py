"""The relevance keywords the scraper scores papers against, and the admin's entry for live jobs."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from portfolio_shared.schemas import MAX_KEYWORD_WEIGHT, MIN_KEYWORD_WEIGHT


class RelevanceKeyword(models.Model):
    """One of the owner's interests. The scraper reads them all (``GET /api/internal/relevance-keywords/``)
    at each job; while there is none it uses its ``INTEREST_KEYWORDS``."""

    term = models.CharField(
        max_length=100,
        help_text="A word or phrase matched as whole words in a paper's title, abstract, topics and tags "
        "(plural-insensitive, case-insensitive).",
    )
    weight = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(MIN_KEYWORD_WEIGHT), MaxValueValidator(MAX_KEYWORD_WEIGHT)],
        help_text=f"{MIN_KEYWORD_WEIGHT:g} to {MAX_KEYWORD_WEIGHT:g}; relative to the heaviest term "
        "(the tech stack's technologies weigh 1, project titles 0.5).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-weight", "term"]
        constraints = [
            models.UniqueConstraint(
                Lower("term"),
                name="scrapes_keyword_term_unique_ci",
                violation_error_message="This keyword exists already.",
            ),
            models.CheckConstraint(
                condition=models.Q(weight__gte=MIN_KEYWORD_WEIGHT, weight__lte=MAX_KEYWORD_WEIGHT),
                name="scrapes_keyword_weight_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} ({self.weight:g})"

    def clean(self) -> None:
        self.term = " ".join((self.term or "").split())


class LiveScrapeJob(models.Model):
    """No table: the admin's entry for the scraper's jobs, read live from the scraper's API
    (``scrapes.admin.LiveScrapeJobAdmin``). Its permissions say who may see them and who may start
    and re-run scrapes."""

    class Meta:
        managed = False
        db_table = "scrapes_live_job"  # never queried
        default_permissions = ("view",)
        permissions = [("start_scrape", "Can start a scrape and re-run a failed source")]
        verbose_name = "scrape job (live)"
        verbose_name_plural = "scrape jobs (live from the scraper)"
