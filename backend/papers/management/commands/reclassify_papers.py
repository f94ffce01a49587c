"""Re-classify the stored papers with the scraper's current topic classifier (``POST /classify``).

The scraper skips papers it has already sent unchanged, so after a change of the classifier or of its
taxonomy the papers core already stores keep their old topics until this command runs.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from papers.services import RECLASSIFY_BATCH, reclassify_papers
from papers.topics import classify
from portfolio_shared.errors import PortfolioError
from portfolio_shared.schemas import MAX_CLASSIFY_PAPERS


class Command(BaseCommand):
    help = "Give every stored paper the topics the scraper's classifier gives it now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=RECLASSIFY_BATCH,
            help=f"Papers per request to the scraper (1..{MAX_CLASSIFY_PAPERS}).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count the changes, write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        if not 1 <= batch_size <= MAX_CLASSIFY_PAPERS:
            raise CommandError(f"--batch-size must be 1..{MAX_CLASSIFY_PAPERS}")

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  {done:,}/{total:,} papers classified")

        try:
            result = reclassify_papers(
                classify=classify, batch_size=batch_size, dry_run=options["dry_run"], progress=progress
            )
        except PortfolioError as exc:
            raise CommandError(f"the scraper could not classify: {exc}") from exc
        verb = "would change" if options["dry_run"] else "changed"
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-classified {result.papers:,} papers: topics {verb} on {result.changed:,}."
            )
        )
