from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "Outbox (messages to other services)"

    def ready(self) -> None:
        from django.db import connection

        from portfolio_shared.outbox import register_outbox_collector

        # /internal/metrics reads the backlog from core's outbox table at each scrape, through the
        # connection of the thread that serves the scrape (under ASGI not the one that ran ready()).
        register_outbox_collector(lambda: connection.cursor())
