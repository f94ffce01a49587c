import os

from django.core.wsgi import get_wsgi_application

from portfolio_shared.tracing import configure_tracing, instrument_django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Only with OTEL_EXPORTER_OTLP_ENDPOINT; before the handler below loads the middleware it adds.
if configure_tracing("core"):
    instrument_django()
application = get_wsgi_application()
