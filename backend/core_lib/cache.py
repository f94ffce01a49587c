"""Django's Redis cache with one client, and so one connection pool, per process.

Django keeps its cache objects per request context (``django.core.cache.caches`` is an asgiref
``Local``). Under ASGI every request is a context of its own, so each request would build a new
``RedisCache``, a new ``redis`` connection pool and a new connection: a TCP connect and redis-py's
handshake (a millisecond or two) on every request that counts a rate limit or reads a cache. The
client here is shared by every cache object of the process with the same location and options;
redis-py's pool is thread-safe, and each request's thread takes a connection from it.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property


class _SharedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a ``redis.Redis`` per operation (copying its ~170 response callbacks,
    a tenth of a millisecond); this one keeps one per pool (``redis.Redis`` is thread-safe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._redis: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]  # untyped in the stubs
        client = self._redis.get(index)
        if client is None:
            client = self._redis.setdefault(index, super().get_client(key, write=write))
        return client


class ProcessRedisCache(RedisCache):
    _clients: ClassVar[dict[str, RedisCacheClient]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()
    # Set by RedisCache.__init__ (untyped in the stubs).
    _servers: list[str]
    _options: dict[str, Any]

    @cached_property
    def _cache(self) -> Any:
        key = repr((self._servers, sorted(self._options.items(), key=lambda item: item[0])))
        client = self._clients.get(key)
        if client is None:
            with self._lock:
                client = self._clients.setdefault(
                    key, _SharedClientRedisCacheClient(self._servers, **self._options)
                )
        return client
