"""Django's ``MessageMiddleware``, its storage built only for a request that uses messages.

Django builds the message storage for every request (a cookie and a session storage, and a signer
that derives its key), though only the admin uses messages: on a public API read that was ~2 % of
the worker's time. Here ``request._messages`` is built at its first use (adding a message, or a
template reading them), and the response updates it only then; a storage never built has nothing
to store, as Django's ``update`` would have found.
"""

from __future__ import annotations

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import SimpleLazyObject, empty


class LazyMessageMiddleware(MessageMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:  # type: ignore[attr-defined]
            return response  # never used: nothing to store
        return super().process_response(request, response)  # type: ignore[no-any-return]
