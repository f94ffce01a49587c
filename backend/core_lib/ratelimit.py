"""Per-client rate limits: fixed-window counters in Redis (Django's cache), and the public-read limit.

A fixed window is one ``INCR`` per request (with its expiry: one round trip) and needs no script;
its one weakness, a burst of up to twice the limit across a window boundary, costs nothing that
matters here. Redis failing lets the
request through (logged): a limit protects capacity, and an outage of it should not take core down.

Clients are told apart by :func:`limit_key`: the address behind ``TRUSTED_PROXY_COUNT`` proxies
(``portfolio_shared.client_ip``; behind Cloud Run or an ingress the peer is the proxy), an IPv6
address as its /64 (one client usually holds the whole network).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from redis.exceptions import RedisError

from portfolio_shared.client_ip import client_ip, client_key
from portfolio_shared.errors import RateLimited

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The visitor's address: the peer, or the entry the trusted proxies appended to X-Forwarded-For."""
    return client_ip(
        request.META.get("REMOTE_ADDR"),
        request.META.get("HTTP_X_FORWARDED_FOR"),
        int(settings.TRUSTED_PROXY_COUNT),
    )


def limit_key(request: HttpRequest) -> str:
    """What a per-client limit counts the request under: :func:`client_address`, IPv6 as its /64."""
    return client_key(client_address(request))


@dataclass(frozen=True)
class FixedWindow:
    """At most ``limit`` hits per client in each window of ``window_seconds``; ``limit`` 0 means no limit."""

    name: str
    limit: int
    window_seconds: int
    message: str = "Too many requests; try again shortly."

    def hit(self, client: str) -> None:
        """Count one request of ``client``; raise :class:`RateLimited` (429, Retry-After) over the limit."""
        if self.limit <= 0:
            return
        window = self.window_seconds
        now = time.time()
        key = f"ratelimit:{self.name}:{client}:{int(now // window)}"
        try:
            count = _count_hit(key, window + 1)
        except RedisError:
            logger.warning("%s rate limit unavailable; letting the request through", self.name, exc_info=True)
            return
        if count > self.limit:
            raise RateLimited(
                self.message,
                retry_after=max(1, int(window - now % window) + 1),
                details={"limit": self.limit, "window_seconds": window},
            )


def _count_hit(key: str, timeout: int) -> int:
    """``INCR`` the window's counter and give it its expiry, in one round trip (a pipeline).

    Every public read pays this, so it is one round trip rather than Django's ``add`` then ``incr``
    (``SET NX``, then ``EXISTS`` and ``INCR``: three). ``EXPIRE ... NX`` sets the expiry only on
    the counter's first hit, so a window's counter never outlives it by more than a second.
    """
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]  # Django's RedisCacheClient
    pipe = client.pipeline(transaction=False)
    pipe.incr(cache.make_and_validate_key(key))
    pipe.expire(cache.make_and_validate_key(key), timeout, nx=True)
    count, _ = pipe.execute()
    return int(count)


def public_reads() -> FixedWindow:
    return FixedWindow(
        "public-read", int(settings.PUBLIC_READ_RATE_LIMIT), int(settings.PUBLIC_READ_RATE_WINDOW_SECONDS)
    )


#: Service calls and webhooks: not public reads, whatever their method.
NOT_PUBLIC = ("/api/internal/", "/api/webhooks/")


def is_public_read(method: str, path: str) -> bool:
    """Whether a request counts against the public-read limit (and its operation may answer 429)."""
    return method.upper() in ("GET", "HEAD") and path.startswith("/api/") and not path.startswith(NOT_PUBLIC)


class PublicReadThrottleMiddleware:
    """Counts every public read of the API (``GET``/``HEAD`` under ``/api/``) per client (:func:`limit_key`).

    A middleware, not a DRF throttle, so the papers cache's hits (served before any view runs)
    count too. Service calls and webhooks (``/api/internal/``, ``/api/webhooks/``) are not public
    reads. Over the limit: 429 with ``Retry-After`` and the error envelope.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_public_read(request.method or "", request.path_info):
            try:
                public_reads().hit(limit_key(request))
            except RateLimited as exc:
                return JsonResponse(exc.to_envelope(), status=exc.status, headers=exc.headers)
        return self.get_response(request)
