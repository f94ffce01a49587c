"""The transactional outbox: a message is stored in the sender's own transaction, then delivered.

``enqueue(cursor, ...)`` adds a row through any DB-API cursor inside the caller's transaction (so
the message exists if and only if the business change committed). A :class:`Dispatcher` —
``python -m portfolio_shared.outbox`` under the supervisor, or a thread of the service — claims due
rows with ``FOR UPDATE SKIP LOCKED`` under a lease, delivers each as a signed Standard Webhook or an
authenticated REST call (built by :mod:`portfolio_shared.clients.wire`, as the typed clients build
theirs), retries with exponential backoff, full jitter and ``Retry-After``, and
records every attempt. Delivery is at-least-once; receivers dedupe on ``webhook-id`` (REST calls
carry the same id as ``Idempotency-Key``). Each sender applies :data:`OUTBOX_DDL` in a migration.

Use::

    # Django: migrations.RunSQL(OUTBOX_DDL, OUTBOX_DROP_DDL); then, in a service function
    with transaction.atomic(), connection.cursor() as cur:
        job.save()
        enqueue_call(cur, PROCESS_TEXT.bind(item))  # an operation of portfolio_shared.contracts

    # SQLAlchemy / Alembic: op.execute(OUTBOX_DDL); then, inside the session's transaction
    enqueue_webhook(session.connection().connection.cursor(), SCRAPER_JOB_COMPLETED, event)

    # the dispatcher, one process per sending database
    OUTBOX_SENDER=scraper DATABASE_URL=... python -m portfolio_shared.outbox
"""

from portfolio_shared.outbox.backlog import Backlog, outbox_backlog
from portfolio_shared.outbox.delivery import TokenProvider
from portfolio_shared.outbox.dispatcher import Dispatcher
from portfolio_shared.outbox.enqueue import (
    Kind,
    discard_pending,
    enqueue,
    enqueue_call,
    enqueue_webhook,
    new_message_id,
    webhook_body,
)
from portfolio_shared.outbox.metrics import OutboxCollector, psycopg_cursors, register_outbox_collector
from portfolio_shared.outbox.schema import OUTBOX_CHANNEL, OUTBOX_DDL, OUTBOX_DROP_DDL

__all__ = [
    "OUTBOX_CHANNEL",
    "OUTBOX_DDL",
    "OUTBOX_DROP_DDL",
    "Backlog",
    "Dispatcher",
    "Kind",
    "OutboxCollector",
    "TokenProvider",
    "discard_pending",
    "enqueue",
    "enqueue_call",
    "enqueue_webhook",
    "new_message_id",
    "outbox_backlog",
    "psycopg_cursors",
    "register_outbox_collector",
    "webhook_body",
]
