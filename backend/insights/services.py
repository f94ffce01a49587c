"""Short-lived tokens for the analytics dashboard (its REST reads and its Socket.IO connection)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import ImproperlyConfigured

from config.env import get_settings
from portfolio_shared.auth import issue_token, signing_key
from portfolio_shared.contracts import ANALYTICS_DASHBOARD_AUDIENCE

DASHBOARD_AUDIENCE = ANALYTICS_DASHBOARD_AUDIENCE
#: The longest the shared token code allows; the dashboard asks for a new one before it expires.
DASHBOARD_TOKEN_TTL = 300


@dataclass(frozen=True)
class DashboardToken:
    token: str
    audience: str
    expires_in: int
    expires_at: datetime


def issue_dashboard_token(*, now: float | None = None) -> DashboardToken:
    """A token ``iss=core``, ``aud=analytics-dashboard``, signed with core's own ``SERVICE_SIGNING_KEY``.

    The analytics service verifies it with the shared ``verify_token`` against core's public keys
    (audience ``analytics-dashboard``, issuer ``core``). The shared ``issue_token`` mints no other
    claims, so the audience alone says what the token is for: it is no service token (``aud``
    names no service).
    """
    issued = int(time.time() if now is None else now)
    key = signing_key(get_settings())
    if key is None:
        raise ImproperlyConfigured("SERVICE_SIGNING_KEY is required: core signs the dashboard tokens")
    token = issue_token(
        issuer="core", audience=DASHBOARD_AUDIENCE, key=key, ttl=DASHBOARD_TOKEN_TTL, now=issued
    )
    return DashboardToken(
        token=token,
        audience=DASHBOARD_AUDIENCE,
        expires_in=DASHBOARD_TOKEN_TTL,
        expires_at=datetime.fromtimestamp(issued + DASHBOARD_TOKEN_TTL, tz=UTC),
    )
