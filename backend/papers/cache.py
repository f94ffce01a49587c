"""Public papers responses (list, search, detail, feed) cached in Redis until the papers change.

A *generation* number lives in Redis; any write to papers bumps it once the write has committed.
A cached page is stored with the generation it was rendered under and served only while that is
still the current one, so a page is never served after the data it shows changed. One ``MGET``
fetches both, so a hit costs one Redis round trip. ``PAPERS_CACHE_SECONDS`` only bounds how long
an unused page keeps memory; 0 turns caching off. Redis being down only costs speed.

Only 200 answers are cached. The key is the scheme, host and path (pagination links and feed ids
are absolute) and the parameters the view accepts, in a canonical order; any other parameter is
dropped before the view runs, so ``?cb=<random>`` neither creates an entry nor changes the page.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

NAMESPACE = "papers"
View = Callable[..., HttpResponseBase]


def _generation_key() -> str:
    return f"{NAMESPACE}:generation"


def invalidate() -> None:
    """Make every cached papers response stale, once the current transaction commits."""
    transaction.on_commit(_bump)


def _bump() -> None:
    try:
        cache.incr(_generation_key())
    except ValueError:  # no generation yet (or evicted): a fresh one
        _current_generation()
    except RedisError:
        logger.warning("papers cache: could not bump the generation", exc_info=True)


def _current_generation() -> int:
    # Random, not 0: a generation Redis evicted must not come back as a value old pages carry.
    cache.add(_generation_key(), secrets.randbits(48), timeout=None)
    return int(cache.get(_generation_key()))


def _page_key(request: HttpRequest) -> str:
    url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return f"{NAMESPACE}:page:{hashlib.sha256(url.encode()).hexdigest()}"


def _keep_only(request: HttpRequest, accepted: frozenset[str]) -> None:
    """Reduce the request's query to the ``accepted`` parameters, sorted: the key and the view see the
    same query, so a cached page's links carry no parameter another client added."""
    # Sorted by name only: a repeated parameter keeps its values' order (the view reads the last).
    pairs = [(name, value) for name in sorted(accepted) for value in request.GET.getlist(name)]
    query = urlencode(pairs)
    request.META["QUERY_STRING"] = query
    request.GET = QueryDict(query)


def cached_view(view: View, *, params: Iterable[str] = ()) -> View:
    """Serve ``view``'s GET answers from the cache while the papers are unchanged.

    ``params`` names the query parameters ``view`` reads; every other one is dropped.
    """
    accepted = frozenset(params)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _keep_only(request, accepted)
        seconds = int(getattr(settings, "PAPERS_CACHE_SECONDS", 0))
        if seconds <= 0 or request.method != "GET":
            return view(request, *args, **kwargs)
        page_key = _page_key(request)
        try:
            found = cache.get_many([_generation_key(), page_key])
            generation = found.get(_generation_key())
            if generation is None:
                generation = _current_generation()
        except RedisError:
            logger.warning("papers cache unavailable; rendering", exc_info=True)
            return view(request, *args, **kwargs)
        page = found.get(page_key)
        if page is not None and page[0] == generation:
            return HttpResponse(page[2], content_type=page[1])
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            _store_once_rendered(response, page_key, generation, seconds)
        return response

    return wrapper


def _store_once_rendered(response: HttpResponseBase, key: str, generation: int, seconds: int) -> None:
    def store(rendered: HttpResponseBase) -> None:
        page = (generation, rendered["Content-Type"], bytes(rendered.content))  # type: ignore[attr-defined]
        try:
            cache.set(key, page, timeout=seconds)
        except RedisError:
            logger.warning("papers cache: could not store a page", exc_info=True)

    # DRF responses render after the view returns; plain ones are ready now.
    if hasattr(response, "add_post_render_callback") and not response.is_rendered:  # type: ignore[attr-defined]
        response.add_post_render_callback(store)  # type: ignore[attr-defined]
    else:
        store(response)
