"""Bare apps served the same way as ours, so a ratio shows what our plumbing costs.

``fastapi_app``: one JSON route, for ``uvicorn benchmarks.baselines:fastapi_app``.
``django_app``: one JSON view in a minimal Django under ASGI, for ``gunicorn benchmarks.baselines:django_app
--worker-class uvicorn_worker.UvicornWorker`` (the worker core's ``config.worker.CoreWorker`` extends,
which lives in backend/: the same server, proxy headers aside);
``django_wsgi_app``: the same under WSGI (gunicorn's sync worker), to compare the two servers.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

fastapi_app = FastAPI()


@fastapi_app.get("/health")
async def fastapi_health() -> dict[str, str]:
    return {"status": "ok"}


def _django(*, asgi: bool = True) -> Any:
    import django
    from django.conf import settings
    from django.core.asgi import get_asgi_application
    from django.core.wsgi import get_wsgi_application
    from django.http import HttpRequest, JsonResponse
    from django.urls import path

    def health(request: HttpRequest) -> JsonResponse:
        return JsonResponse({"status": "ok"})

    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-only",  # noqa: S106 - a throwaway baseline app, never deployed
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
    )
    globals()["urlpatterns"] = [path("health", health)]
    django.setup()
    return get_asgi_application() if asgi else get_wsgi_application()


def __getattr__(name: str) -> Any:
    # Django is configured only when gunicorn asks for the app, never on a plain import.
    if name in ("django_app", "django_wsgi_app"):
        app = _django(asgi=name == "django_app")
        globals()[name] = app
        return app
    raise AttributeError(name)
