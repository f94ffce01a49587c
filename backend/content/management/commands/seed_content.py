"""Load the owner's portfolio content from a YAML file (idempotent: re-running updates, never duplicates)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError, CommandParser
from pydantic import ValidationError

from content.seed_schema import SeedContent, describe
from content.services import SeedError, load_content

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "sample_content.yaml"


class Command(BaseCommand):
    help = "Create or update the profile, tech stack, journey and projects from a YAML file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file", type=Path, default=DEFAULT_FILE, help=f"YAML file (default: {DEFAULT_FILE})"
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Also delete tech, journey entries and projects the file omits.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        content = read_content(path)
        try:
            report = load_content(content=content, base_dir=path.resolve().parent, prune=options["prune"])
        except SeedError as exc:
            raise CommandError(f"{path}: {exc}") from None
        for section, counts in report.counts.items():
            summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
            self.stdout.write(f"  {section}: {summary}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Content loaded from {path}: {report.total('created')} created, "
                f"{report.total('updated')} updated, {report.total('unchanged')} unchanged, "
                f"{report.total('deleted')} deleted."
            )
        )


def read_content(path: Path) -> SeedContent:
    """Parse and validate the YAML file; every problem becomes a CommandError that says where."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise CommandError(f"{path} is not valid YAML: {exc}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise CommandError(f"{path}: expected a mapping with profile, tech_stack, journey and projects")
    try:
        return SeedContent.model_validate(raw)
    except ValidationError as exc:
        raise CommandError(f"{path} does not describe valid content:\n{describe(exc)}") from None
