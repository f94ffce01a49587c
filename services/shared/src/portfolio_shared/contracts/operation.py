"""What one cross-service operation is: who serves it, its method and path, and the models of its
request and answers. Declared once in :mod:`portfolio_shared.contracts.operations`; the typed
clients send it, the outbox stores it for later, tests/contracts checks it against the target's
OpenAPI schema."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel

from portfolio_shared.contracts.encodings import service_audience

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True)
class BoundCall:
    """One operation with its values filled in: what goes on the wire (or into the outbox)."""

    operation: Operation
    path: str
    json: dict[str, Any] | None

    @property
    def method(self) -> str:
        return self.operation.method


@dataclass(frozen=True)
class Operation:
    """A route of one service that another calls.

    ``targets`` are the services that serve it (the outbox routes exist on every sender) and
    ``audience`` what a service token for it is minted for (default: the target's name).
    ``path`` is a template whose ``{name}`` fields are filled by :meth:`bind`, each as one escaped
    path segment. ``request`` is the JSON body's model (None: no JSON body, or one the caller builds
    itself); ``responses`` maps each success status to its body's model (None: no body read).
    ``safe`` marks a POST that changes nothing (a search), so it may be retried like a GET;
    ``exclude_none`` leaves unset optional fields out of the body (for peers that predate them).
    """

    name: str
    targets: tuple[str, ...]
    method: str
    path: str
    request: type[BaseModel] | None = None
    responses: Mapping[int, type[BaseModel] | None] = field(default_factory=dict)
    safe: bool = False
    exclude_none: bool = False
    audience: str | None = None

    @property
    def service(self) -> str:
        """The one service that serves this operation."""
        if len(self.targets) != 1:
            raise ValueError(f"{self.name} is served by {', '.join(self.targets)}: name the target")
        return self.targets[0]

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(name for _, name, _, _ in string.Formatter().parse(self.path) if name)

    def token_audience(self, target: str | None = None) -> str:
        """What a service token for this operation is minted for: the declared ``audience``, or else
        :func:`~portfolio_shared.contracts.service_audience` of ``target`` (default: the one service
        that serves it). In oidc mode the caller swaps a service's audience for its URL."""
        return self.audience or service_audience(target or self.service)

    def matches(self, method: str, path: str) -> bool:
        """Whether ``method`` and a filled-in ``path`` (as :meth:`bind` fills it) are this operation."""
        return method.upper() == self.method and self._path_pattern.fullmatch(path) is not None

    @property
    def _path_pattern(self) -> re.Pattern[str]:
        parts = re.split(r"\{[^}]+\}", self.path)
        return re.compile("[^/]+".join(re.escape(part) for part in parts))

    @property
    def idempotent(self) -> bool:
        """Whether sending it twice is the same as once (retrying is then safe)."""
        return self.safe or self.method in _IDEMPOTENT_METHODS

    def bind(self, body: BaseModel | Mapping[str, Any] | None = None, /, **path: str) -> BoundCall:
        """This operation with its path filled in and ``body`` as JSON (validated by ``request``)."""
        if set(path) != set(self.path_params):
            raise TypeError(f"{self.name} needs the path values {self.path_params}, got {tuple(path)}")
        filled = self.path.format(**{k: quote(str(v), safe="") for k, v in path.items()})
        if body is None:
            return BoundCall(self, filled, None)
        if self.request is not None:
            model = body if isinstance(body, self.request) else self.request.model_validate(body)
            payload = model.model_dump(mode="json", exclude_none=self.exclude_none)
        elif isinstance(body, BaseModel):
            payload = body.model_dump(mode="json", exclude_none=self.exclude_none)
        else:
            payload = dict(body)
        return BoundCall(self, filled, payload)


@dataclass(frozen=True)
class WebhookReceiver:
    """Where one webhook type is delivered: the receiving service and its route, and the ``data``
    model of the event's body."""

    event_type: str
    service: str
    path: str
    data: type[BaseModel]
