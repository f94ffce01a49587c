from django.apps import AppConfig


def register_core_outbox_collector() -> None:
    """/internal/metrics reads the backlog from core's outbox table at each scrape, through the
    connection of the thread that serves the scrape (under ASGI not the one that ran ``ready()``)."""
    from django.db import connection

    from portfolio_shared.outbox import register_outbox_collector

    register_outbox_collector(lambda: connection.cursor())


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "Outbox (messages to other services)"

    def ready(self) -> None:
        register_core_outbox_collector()
