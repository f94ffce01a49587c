from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Portfolio content"

    def ready(self) -> None:
        from content import signals

        signals.connect()
