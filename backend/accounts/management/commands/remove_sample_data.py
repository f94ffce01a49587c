"""Remove the sample set (``accounts.sample_data``): papers, their index entries, the PDF, the traffic."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.sample_data import remove_sample_data


class Command(BaseCommand):
    help = (
        "Remove all sample data: sample papers and their index entries, the sample PDF, the sample traffic."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = remove_sample_data()
        for line in report.done:
            self.stdout.write(f"  {line}")
        if report.failed:
            raise CommandError("not all sample data could be removed:\n  " + "\n  ".join(report.failed))
        self.stdout.write(self.style.SUCCESS("Sample data removed."))
