"""Public papers responses (list, search, detail, feed) cached in Redis until the papers change.

A *generation* number lives in Redis; any write to papers bumps it once the write has committed.
A cached page is stored with the generation it was rendered under and served only while that is
still the current one, so a page is never served after the data it shows changed. One ``MGET``
fetches both, so a hit costs one Redis round trip. ``PAPERS_CACHE_SECONDS`` only bounds how long
an unused page keeps memory; 0 turns caching off. Redis being down only costs speed.

Only 200 answers are cached. The key is what the view reads, nothing more: the scheme and host
(pagination links and feed ids are absolute), the path rebuilt from the URL's converted arguments (so
``2401.12345v<random>``, whose version the detail view ignores, is ``2401.12345``), and the last value
of each parameter the view accepts (the one it reads; a page number without leading zeros), in a
canonical order. Any other parameter, and
any earlier value of a repeated one, is dropped before the view runs, so neither ``?cb=<random>`` nor
``?ordering=<random>&ordering=-relevance`` creates an entry or changes the page.
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
from django.urls import reverse
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


def generation() -> int:
    """The current generation, which every committed papers write bumps: an answer cached under a
    key that holds it is stale after the next write (``papers.similar``). Raises RedisError."""
    found = cache.get(_generation_key())
    return int(found) if found is not None else _current_generation()


def _page_key(request: HttpRequest, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    match = request.resolver_match
    # The path as the view sees it: its converted arguments, not the raw text the client sent.
    path = reverse(match.view_name, args=args, kwargs=kwargs) if match else request.path
    url = f"{request.scheme}://{request.get_host()}{path}?{request.META['QUERY_STRING']}"
    return f"{NAMESPACE}:page:{hashlib.sha256(url.encode()).hexdigest()}"


def _number(value: str) -> str:
    # Read as its value: ``page=0001`` is page 1, not a new entry per leading zero.
    return value.lstrip("0") or "0" if value.isdecimal() and value.isascii() else value


def _keep_only(request: HttpRequest, accepted: frozenset[str], numbers: frozenset[str]) -> None:
    """Reduce the request's query to the last value of each ``accepted`` parameter (the one the view
    reads; a parameter in ``numbers`` by its value), sorted: the key and the view see the same query,
    so a cached page's links carry nothing another client added."""
    if not request.META.get("QUERY_STRING"):
        return  # nothing to reduce (the first page of a list, a paper): no QueryDict rebuilt
    pairs = [
        (name, _number(request.GET[name]) if name in numbers else request.GET[name])
        for name in sorted(accepted)
        if name in request.GET
    ]
    query = urlencode(pairs)
    request.META["QUERY_STRING"] = query
    request.GET = QueryDict(query)


def cached_view(view: View, *, params: Iterable[str] = (), numbers: Iterable[str] = ()) -> View:
    """Serve ``view``'s GET answers from the cache while the papers are unchanged.

    ``params`` names the query parameters ``view`` reads; every other one is dropped. Those in
    ``numbers`` are integers to the view, so leading zeros are dropped (only there: a text parameter
    of zeros may be too long, a 422 that must not share a key with ``0``).
    """
    accepted = frozenset(params)
    integers = frozenset(numbers)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _keep_only(request, accepted, integers)
        seconds = int(getattr(settings, "PAPERS_CACHE_SECONDS", 0))
        if seconds <= 0 or request.method != "GET":
            return view(request, *args, **kwargs)
        page_key = _page_key(request, args, kwargs)
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
