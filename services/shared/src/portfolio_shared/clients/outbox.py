"""The outbox routes every sending service mounts (:mod:`portfolio_shared.outbox.api`), as client
methods: a mixin of the clients of the services that have an outbox (the scraper, the document
processor)."""

from __future__ import annotations

from portfolio_shared.clients.base import ServiceClient
from portfolio_shared.contracts.operations import (
    DISCARD_OUTBOX_MESSAGE,
    OUTBOX_MESSAGES,
    RETRY_OUTBOX_MESSAGE,
)
from portfolio_shared.schemas.outbox import OutboxMessage, OutboxPage, OutboxState


class OutboxClientMixin(ServiceClient):
    """``GET /outbox/messages``, ``POST /outbox/messages/{id}/retry``, ``DELETE /outbox/messages/{id}``."""

    async def outbox_messages(
        self, *, state: OutboxState | None = None, limit: int = 50, offset: int = 0
    ) -> OutboxPage:
        """The peer's undelivered messages (``state``: only those) and the counts by state."""
        params: dict[str, str | int] = {"limit": limit, "offset": offset}
        if state is not None:
            params["state"] = state
        response = await self.send(OUTBOX_MESSAGES.bind(), params=params)
        return self._parse(response, OutboxPage)

    async def retry_outbox_message(self, msg_id: str) -> OutboxMessage:
        """Make ``msg_id`` due now (a dead one too). NotFound, or Conflict when delivered or in flight."""
        response = await self.send(RETRY_OUTBOX_MESSAGE.bind(msg_id=msg_id))
        return self._parse(response, OutboxMessage)

    async def discard_outbox_message(self, msg_id: str) -> None:
        """Delete the undelivered message ``msg_id``. NotFound, or Conflict when delivered or in flight."""
        await self.send(DISCARD_OUTBOX_MESSAGE.bind(msg_id=msg_id))
