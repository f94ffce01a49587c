"""The worker class core runs under: ``gunicorn config.asgi:application -k config.worker.CoreWorker``.

uvicorn's worker, with uvicorn's own proxy-header handling off: uvicorn would otherwise take the
client address from ``X-Forwarded-For`` whenever the peer is local, while core reads that header
itself, trusting only ``TRUSTED_PROXY_COUNT`` hops (core_lib/ratelimit.py), as under the sync worker.
"""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker


class CoreWorker(UvicornWorker):
    CONFIG_KWARGS: dict[str, Any] = {**UvicornWorker.CONFIG_KWARGS, "proxy_headers": False}
