"""Celery tasks: thin wrappers that take ids (JSON) and call the processing pipeline.

Only idempotent tasks set ``acks_late=True`` (see :mod:`portfolio_documents.worker`).
"""

from __future__ import annotations

from portfolio_documents.worker import app


@app.task(name="documents.ping", acks_late=True)  # idempotent: answering twice is harmless
def ping() -> str:
    """Proves a worker is consuming the queue."""
    return "pong"
