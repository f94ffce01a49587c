"""The outbox routes every sending service mounts (:mod:`portfolio_shared.outbox.api`), as client
methods: a mixin of the clients of the services that have an outbox (the scraper, the document
processor)."""

from __future__ import annotations

from urllib.parse import quote

from portfolio_shared.clients.base import ServiceClient
from portfolio_shared.schemas.outbox import OUTBOX_MESSAGES_PATH, OutboxMessage, OutboxPage, OutboxState


def _message_path(msg_id: str) -> str:
    return f"{OUTBOX_MESSAGES_PATH}/{quote(msg_id, safe='')}"


class OutboxClientMixin(ServiceClient):
    """``GET /outbox/messages``, ``POST /outbox/messages/{id}/retry``, ``DELETE /outbox/messages/{id}``."""

    async def outbox_messages(
        self, *, state: OutboxState | None = None, limit: int = 50, offset: int = 0
    ) -> OutboxPage:
        """The peer's undelivered messages (``state``: only those) and the counts by state."""
        params: dict[str, str | int] = {"limit": limit, "offset": offset}
        if state is not None:
            params["state"] = state
        response = await self.request("GET", OUTBOX_MESSAGES_PATH, params=params)
        return self._parse(response, OutboxPage)

    async def retry_outbox_message(self, msg_id: str) -> OutboxMessage:
        """Make ``msg_id`` due now (a dead one too). NotFound, or Conflict when delivered or in flight."""
        # Making a message due now twice is the same as once: safe to retry.
        response = await self.request("POST", f"{_message_path(msg_id)}/retry", idempotent=True)
        return self._parse(response, OutboxMessage)

    async def discard_outbox_message(self, msg_id: str) -> None:
        """Delete the undelivered message ``msg_id``. NotFound, or Conflict when delivered or in flight."""
        await self.request("DELETE", _message_path(msg_id))
