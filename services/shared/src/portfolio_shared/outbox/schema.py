"""The outbox tables, as SQL each sending service applies from its own migration.

There is no ORM model: Django runs ``migrations.RunSQL(OUTBOX_DDL, OUTBOX_DROP_DDL)`` and Alembic
``op.execute(OUTBOX_DDL)``. Every statement is idempotent, so applying it twice is harmless.

``outbox_message`` holds one row per message. ``available_at`` is when the next attempt may start;
while a dispatcher holds a message it is that dispatcher's lease expiry (see ``dispatcher.py``).
Delivered and dead rows are kept for inspection, then pruned by the dispatcher after
``OUTBOX_RETENTION_DAYS`` (see ``Dispatcher.prune``).
``outbox_attempt`` records every attempt, successful or not.
"""

from __future__ import annotations

#: Channel that ``enqueue`` notifies and dispatchers listen on (per database).
OUTBOX_CHANNEL = "outbox"

OUTBOX_DDL = """
CREATE TABLE IF NOT EXISTS outbox_message (
    id            bigserial PRIMARY KEY,
    msg_id        text        NOT NULL UNIQUE,
    kind          text        NOT NULL CHECK (kind IN ('webhook', 'rest')),
    destination   text        NOT NULL,
    path          text        NOT NULL,
    method        text        NOT NULL DEFAULT 'POST',
    event_type    text,
    payload       jsonb       NOT NULL,
    headers       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    request_id    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    available_at  timestamptz NOT NULL DEFAULT now(),
    attempts      integer     NOT NULL DEFAULT 0,
    locked_by     text,
    delivered_at  timestamptz,
    last_status   integer,
    last_error    text,
    dead          boolean     NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS outbox_message_pending_idx
    ON outbox_message (available_at) WHERE delivered_at IS NULL AND NOT dead;
CREATE INDEX IF NOT EXISTS outbox_message_dead_idx
    ON outbox_message (created_at) WHERE dead;
CREATE TABLE IF NOT EXISTS outbox_attempt (
    id              bigserial PRIMARY KEY,
    message_id      bigint      NOT NULL REFERENCES outbox_message (id) ON DELETE CASCADE,
    attempt         integer     NOT NULL,
    dispatcher_id   text        NOT NULL,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz NOT NULL,
    duration_ms     integer     NOT NULL,
    status_code     integer,
    error           text,
    outcome         text        NOT NULL CHECK (outcome IN ('delivered', 'retry', 'dead', 'lease_lost')),
    next_attempt_at timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_attempt_message_idx ON outbox_attempt (message_id, attempt);
"""

#: Reverse of :data:`OUTBOX_DDL`, for a migration's backwards step.
OUTBOX_DROP_DDL = """
DROP TABLE IF EXISTS outbox_attempt;
DROP TABLE IF EXISTS outbox_message;
"""
