"""`make run`'s sample data: a development owner account, then every app's sample content.

Idempotent: re-running updates, never duplicates. Refuses to create the default account outside
development.
"""

from __future__ import annotations

import os
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

from config.env import get_settings


class Command(BaseCommand):
    help = "Create the development owner account and load sample content (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if get_settings().environment == "development":
            username = os.environ.get("DEV_ADMIN_USER", "admin")
            password = os.environ.get("DEV_ADMIN_PASSWORD", "admin")
            user, created = get_user_model().objects.get_or_create(
                username=username, defaults={"is_staff": True, "is_superuser": True}
            )
            if created:
                user.set_password(password)
                user.save()
                self.stdout.write(f"  development admin: {username} / {password}")
        # Content apps add a `seed_content` command that loads the owner's sample YAML.
        if "seed_content" in get_commands():
            call_command("seed_content")
