"""Core's outbox tables (the DDL lives in portfolio_shared.outbox, shared by every sender)."""

from django.db import migrations

from portfolio_shared.outbox import OUTBOX_DDL, OUTBOX_DROP_DDL


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []
    operations = [migrations.RunSQL(OUTBOX_DDL, reverse_sql=OUTBOX_DROP_DDL)]
