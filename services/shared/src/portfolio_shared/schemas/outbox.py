"""What a sender's outbox holds, as its API shows it to core's admin (``/outbox/messages``).

A message not yet delivered is in one state: ``pending`` (never failed), ``failing`` (its last
attempt failed; the dispatcher tries again at ``next_attempt_at``) or ``dead`` (given up). Delivered
messages are not listed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from portfolio_shared.schemas._base import ResponseModel

#: The one declaration of the outbox routes' paths (the shared router and the clients use them).
OUTBOX_MESSAGES_PATH = "/outbox/messages"
#: Messages per page of ``GET /outbox/messages`` at most.
MAX_OUTBOX_PAGE = 200

OutboxState = Literal["pending", "failing", "dead"]
OUTBOX_STATES: tuple[OutboxState, ...] = ("pending", "failing", "dead")


class OutboxMessage(ResponseModel):
    """One undelivered message and how its delivery went so far."""

    msg_id: str
    state: OutboxState
    kind: Literal["webhook", "rest"]
    destination: str
    method: str
    path: str
    event_type: str | None = None
    created_at: AwareDatetime
    #: When the dispatcher may try next (a dead message: never, by itself).
    next_attempt_at: AwareDatetime | None = None
    attempts: int = Field(ge=0)
    #: A dispatcher holds it right now (retry and discard answer 409 until it lets go).
    in_flight: bool = False
    last_status: int | None = None
    last_error: str | None = None


class OutboxCounts(ResponseModel):
    """Undelivered messages by state."""

    pending: int = Field(default=0, ge=0)
    failing: int = Field(default=0, ge=0)
    dead: int = Field(default=0, ge=0)


class OutboxPage(ResponseModel):
    """Body of ``GET /outbox/messages``: the counts of every state, and one page of the messages
    that match ``?state=`` (oldest first), ``count`` of them all."""

    sender: str
    counts: OutboxCounts
    count: int = Field(ge=0)
    results: list[OutboxMessage] = Field(default_factory=list)
