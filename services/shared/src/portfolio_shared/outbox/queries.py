"""The SQL of the dispatcher (psycopg named parameters; see ``dispatcher.py`` for the design)."""

# "now" is COALESCE(%(now)s::timestamptz, now()) throughout: a dispatcher given a clock (tests) uses
# it; otherwise Postgres' now() is the single clock that every dispatcher and enqueue share.

EXPIRE = """
UPDATE outbox_message
SET dead = true, locked_by = NULL,
    last_error = 'gave up: the last attempt never reported back (dispatcher died?)'
WHERE delivered_at IS NULL AND NOT dead
  AND available_at <= COALESCE(%(now)s::timestamptz, now())
  AND attempts >= %(max_attempts)s
RETURNING msg_id, destination
"""

CLAIM = """
WITH due AS (
    SELECT id FROM outbox_message
    WHERE delivered_at IS NULL AND NOT dead
      AND available_at <= COALESCE(%(now)s::timestamptz, now())
    ORDER BY available_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE outbox_message AS m
SET attempts = m.attempts + 1,
    available_at = COALESCE(%(now)s::timestamptz, now()) + %(lease)s * interval '1 second',
    locked_by = %(dispatcher_id)s
FROM due
WHERE m.id = due.id
RETURNING m.id, m.msg_id, m.kind, m.destination, m.path, m.method, m.payload, m.headers,
          m.request_id, m.attempts
"""

DELIVERED = """
UPDATE outbox_message
SET delivered_at = COALESCE(%(now)s::timestamptz, now()),
    last_status = %(status)s, last_error = NULL, locked_by = NULL
WHERE id = %(id)s AND delivered_at IS NULL
"""

FAILED = """
UPDATE outbox_message
SET available_at = COALESCE(%(now)s::timestamptz, now()) + %(delay)s * interval '1 second',
    dead = %(dead)s, last_status = %(status)s, last_error = %(error)s, locked_by = NULL
WHERE id = %(id)s AND attempts = %(attempt)s AND delivered_at IS NULL AND NOT dead
RETURNING available_at
"""

RELEASE = """
UPDATE outbox_message
SET available_at = COALESCE(%(now)s::timestamptz, now()), attempts = attempts - 1, locked_by = NULL
WHERE id = %(id)s AND attempts = %(attempt)s AND delivered_at IS NULL AND NOT dead
"""

ATTEMPT = """
INSERT INTO outbox_attempt
    (message_id, attempt, dispatcher_id, started_at, finished_at, duration_ms, status_code, error,
     outcome, next_attempt_at)
VALUES (%(id)s, %(attempt)s, %(dispatcher_id)s, %(started_at)s, COALESCE(%(now)s::timestamptz, now()),
        %(duration_ms)s, %(status)s, %(error)s, %(outcome)s, %(next_attempt_at)s)
"""

NEXT_DUE = "SELECT min(available_at) FROM outbox_message WHERE delivered_at IS NULL AND NOT dead"

#: Delivered messages, and dead ones, older than the retention (their attempts go with them by
#: ON DELETE CASCADE); in batches, so one pass never holds a long transaction.
PRUNE = """
DELETE FROM outbox_message
WHERE id IN (
    SELECT id FROM outbox_message
    WHERE (delivered_at IS NOT NULL OR dead)
      AND COALESCE(delivered_at, created_at)
          < COALESCE(%(now)s::timestamptz, now()) - %(retention)s * interval '1 second'
    LIMIT %(limit)s
)
"""
