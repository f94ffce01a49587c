from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "Outbox (messages to other services)"

    def ready(self) -> None:
        from django.db import connection

        from portfolio_shared.outbox import register_outbox_collector

        # /internal/metrics reads the backlog from core's outbox table at each scrape.
        register_outbox_collector(connection.cursor)
