"""Load the sample set (``accounts.sample_data``): ``make run`` calls it with ``--if-empty``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.sample_data import database_is_empty, load_sample_data
from config.env import get_settings


class Command(BaseCommand):
    help = (
        "Load the sample papers, the sample PDF and a week of sample analytics traffic "
        "(needs the scraper, the document processor and analytics running)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Only when core has no papers at all (a first run)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if get_settings().environment == "production":
            raise CommandError("Sample data is for development: refused in production.")
        if options["if_empty"] and not database_is_empty():
            self.stdout.write("  papers already there: no sample data loaded")
            return
        report = load_sample_data()
        for line in report.done:
            self.stdout.write(f"  {line}")
        if report.failed:
            raise CommandError("sample data incomplete:\n  " + "\n  ".join(report.failed))
