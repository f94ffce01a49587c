"""Core's mirror of a scraper job takes the name the API uses for a job: ``ScrapeJob`` (was
``ScraperJob``). The table becomes ``papers_scrapejob``; the content type is renamed by Django, the
permissions' codenames and names here, so groups keep what they were granted."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

_ACTIONS = ("add", "change", "delete", "view")


def _rename_permissions(apps: StateApps, old: str, new: str, new_name: str) -> None:
    permission = apps.get_model("auth", "Permission")
    for action in _ACTIONS:
        permission.objects.filter(content_type__app_label="papers", codename=f"{action}_{old}").update(
            codename=f"{action}_{new}", name=f"Can {action} {new_name}"
        )


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _rename_permissions(apps, "scraperjob", "scrapejob", "scrape job")


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _rename_permissions(apps, "scrapejob", "scraperjob", "scraper job")


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0005_paper_sample"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RenameModel("ScraperJob", "ScrapeJob"),
        migrations.RunPython(forwards, backwards),
    ]
