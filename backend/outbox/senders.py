"""The three outboxes the admin shows: core's own, read with the shared SQL on core's connection,
and the scraper's and the document processor's, read over their ``/outbox/messages`` routes with
core's service token (``core_lib.upstreams.call``). Every failure is a ``PortfolioError`` for the
admin to show (the peer's envelope, or 503 when it is down)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from core_lib.upstreams import call
from portfolio_shared.clients import DocumentsClient, RetryPolicy, ScraperClient
from portfolio_shared.clients.outbox import OutboxClientMixin
from portfolio_shared.outbox.inspect import discard, outbox_page, retry_now
from portfolio_shared.schemas.outbox import OutboxMessage, OutboxPage, OutboxState

#: An owner is looking at the page: answer or say the service is unavailable, quickly.
DEADLINE = 5.0
_ONE_RETRY = RetryPolicy(attempts=2)
#: Messages shown per outbox.
PAGE_SIZE = 50


@dataclass(frozen=True)
class Sender:
    name: str
    label: str
    client: type[OutboxClientMixin] | None  # None: core's own outbox, read locally


SENDERS: dict[str, Sender] = {
    s.name: s
    for s in (
        Sender("core", "Core", None),
        Sender("scraper", "Scraper", ScraperClient),
        Sender("documents", "Document processor", DocumentsClient),
    )
}


def _remote(sender: Sender, operation: Callable[[Any], Any], retry: RetryPolicy | None = None) -> Any:
    assert sender.client is not None
    return call(sender.client, operation, deadline=DEADLINE, retry=retry)


def page(sender: Sender, state: OutboxState | None = None) -> OutboxPage:
    if sender.client is None:
        with connection.cursor() as cur:
            return outbox_page(cur, sender="core", state=state, limit=PAGE_SIZE)
    return _remote(sender, lambda c: c.outbox_messages(state=state, limit=PAGE_SIZE), _ONE_RETRY)


def retry(sender: Sender, msg_id: str) -> OutboxMessage:
    if sender.client is None:
        with transaction.atomic(), connection.cursor() as cur:
            return retry_now(cur, msg_id)
    return _remote(sender, lambda c: c.retry_outbox_message(msg_id), _ONE_RETRY)


def drop(sender: Sender, msg_id: str) -> None:
    if sender.client is None:
        with transaction.atomic(), connection.cursor() as cur:
            discard(cur, msg_id)
        return
    _remote(sender, lambda c: c.discard_outbox_message(msg_id))
