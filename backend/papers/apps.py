from django.apps import AppConfig


class PapersConfig(AppConfig):
    name = "papers"

    def ready(self) -> None:
        # Registering: the webhook handlers and the cache-invalidating signal receivers.
        from papers import handlers, signals  # noqa: F401
