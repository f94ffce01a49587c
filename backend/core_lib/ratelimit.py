"""Per-client rate limits: fixed-window counters in Redis (Django's cache), and the public-read limit.

A fixed window is an ``INCR`` of a counter in Redis (with its expiry: one round trip) and needs no
script. Every public read would pay that round trip, so each process adds its hits in batches
(:data:`BATCH_SHARE` of the limit): a hit that keeps the client within the limit as far as the
process knows (the shared count it last read, plus its own hits not yet added) and does not fill
its batch costs no round trip; otherwise the batch is added and the shared count read back in one.
A limit is thereby enforced within a batch per process: a client may get up to ``BATCH_SHARE``
of the limit more per process and window, and a process's last partial batch of a window is not
counted (both at most 2 %). A limit below 100 has batches of one: every hit is counted at once.
its one weakness, a burst of up to twice the limit across a window boundary, costs nothing that
matters here. Redis failing lets the
request through (logged): a limit protects capacity, and an outage of it should not take core down.

Clients are told apart by :func:`limit_key`: the address behind ``TRUSTED_PROXY_COUNT`` proxies
(``portfolio_shared.client_ip``; behind Cloud Run or an ingress the peer is the proxy), an IPv6
address as its /64 (one client usually holds the whole network).
"""

from __future__ import annotations

import logging
import threading
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
        index = int(now // window)
        key = f"ratelimit:{self.name}:{client}:{index}"
        local = _LOCAL.get((self.name, window)) or _LOCAL.setdefault((self.name, window), _LocalHits())
        hits = local.take(key, index, self.limit, max(1, int(self.limit * BATCH_SHARE)))
        if hits == 0:
            return  # within the limit and the batch (see above)
        try:
            count = _count_hits(key, hits, window + 1)
        except RedisError:
            logger.warning("%s rate limit unavailable; letting the request through", self.name, exc_info=True)
            return
        local.counted(key, count)
        if count > self.limit:
            raise RateLimited(
                self.message,
                retry_after=max(1, int(window - now % window) + 1),
                details={"limit": self.limit, "window_seconds": window},
            )


#: The share of a limit that a process counts locally before adding it to the shared counter.
BATCH_SHARE = 0.02


class _LocalHits:
    """This process's hits of each client of one limit in its current window, not yet added to
    Redis, and the shared count it last read for each (thread-safe: a process serves requests on
    several threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window = -1
        #: key -> [shared count last read, hits not yet added]
        self._counts: dict[str, list[int]] = {}

    def take(self, key: str, window: int, limit: int, batch: int) -> int:
        """Count a hit; the hits to add now (this one included), or 0 when they may wait."""
        with self._lock:
            if window > self._window:  # a new window: the last one's entries go
                self._counts = {}
                self._window = window
            entry = self._counts.setdefault(key, [0, 0])
            entry[1] += 1
            if entry[0] + entry[1] <= limit and entry[1] < batch:
                return 0
            hits, entry[1] = entry[1], 0
            return hits

    def counted(self, key: str, count: int) -> None:
        with self._lock:
            entry = self._counts.get(key)
            if entry is not None:
                entry[0] = max(entry[0], count)


#: One per limit (name and window length).
_LOCAL: dict[tuple[str, int], _LocalHits] = {}


def _count_hits(key: str, hits: int, timeout: int) -> int:
    """Add ``hits`` to the window's counter, give it its expiry, and read it, in one round trip.

    One round trip (a pipeline) rather than Django's ``add`` then ``incr`` (``SET NX``, then
    ``EXISTS`` and ``INCR``: three). ``EXPIRE ... NX`` sets the expiry only on the counter's first
    hit, so a window's counter never outlives it by more than a second.
    """
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]  # Django's RedisCacheClient
    pipe = client.pipeline(transaction=False)
    pipe.incrby(cache.make_and_validate_key(key), hits)
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
