"""Core's ASGI application: ``gunicorn config.asgi:application -k config.worker.CoreWorker`` (uvicorn's
worker with its proxy-header handling off, config/worker.py), as every deployment runs it.

Core runs under ASGI so an open chatbot stream (``POST /api/chatbot/stream/``) waits on the event
loop instead of holding a sync worker. Ordinary views stay synchronous: Django runs each request's
sync code in a thread of its own (asgiref's per-request ThreadSensitiveContext).
"""

import gc
import os
import sys

import django
from django.urls import get_resolver

from config.handler import CoreASGIHandler
from portfolio_shared.tracing import configure_tracing, instrument_django

#: How long a thread may hold the GIL while another waits for it (Python's default: 5 ms).
SWITCH_INTERVAL_S = 0.0005

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Only with OTEL_EXPORTER_OTLP_ENDPOINT; before the handler below loads the middleware it adds.
if configure_tracing("core"):
    instrument_django()
django.setup(set_prefix=False)
# Django's get_asgi_application() with core's handler (config/handler.py: one thread hop per request).
application = CoreASGIHandler()
get_resolver().url_patterns  # noqa: B018 - imports every view now (Django would at the first request)
# Everything loaded so far lives as long as the process: out of the cyclic collector's sight, a full
# collection walks only what requests allocate (~1 ms instead of tens of milliseconds over Django,
# DRF and the app's ~150,000 startup objects: a pause that every request in flight waited for).
gc.freeze()
# A request's thread gives up the GIL at each round trip (Postgres, Redis) and waits for it again when
# the answer is in; with other requests' threads computing, it waited up to the switch interval
# (5 ms) each time, several times a request. 0.5 ms cut the list page's p99 under 10 connections
# by about a third (benchmarks/papers_year.py), for a little more switching.
sys.setswitchinterval(SWITCH_INTERVAL_S)
