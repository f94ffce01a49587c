"""Send the papers' texts to the chatbot's index: backfill papers stored before it, or repair."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from papers.indexing import reindex_all


class Command(BaseCommand):
    help = (
        "Enqueue for the document processor every paper whose indexed text (title, abstract, "
        "ai_summary) differs from what was last sent; delete hidden and vanished papers' documents."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Send every paper's text again, changed or not."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = reindex_all(force=options["force"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Paper texts: {len(result.sent)} sent, {len(result.deleted)} deleted, "
                f"{result.unchanged} unchanged, {result.messages} outbox messages."
            )
        )
