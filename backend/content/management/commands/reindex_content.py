"""Bring the chatbot's index in line with the content (repair after writes that bypass signals)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from content.indexing import reindex_all
from content.models import JourneyEntry, Profile, Project


class Command(BaseCommand):
    help = "Enqueue for the document processor every content document that differs from what was last sent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Send every document again, changed or not.")
        parser.add_argument(
            "--rerender",
            action="store_true",
            help="Re-render the stored Markdown HTML (after a sanitiser change).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rerender"]:
            for model in (Profile, JourneyEntry, Project):
                for instance in model.objects.all():
                    instance.save()
        result = reindex_all(force=options["force"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Index sync enqueued: {len(result.sent)} sent, {len(result.deleted)} deleted, "
                f"{len(result.unchanged)} unchanged."
            )
        )
