"""Short-lived tokens for the analytics dashboard (its REST reads and its Socket.IO connection)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from config.env import get_settings
from portfolio_shared.auth import issue_token

DASHBOARD_AUDIENCE = "analytics-dashboard"
#: The longest the shared token code allows; the dashboard asks for a new one before it expires.
DASHBOARD_TOKEN_TTL = 300


@dataclass(frozen=True)
class DashboardToken:
    token: str
    audience: str
    expires_in: int
    expires_at: datetime


def issue_dashboard_token(*, now: float | None = None) -> DashboardToken:
    """An HS256 token ``iss=core``, ``aud=analytics-dashboard``, signed with ``SERVICE_TOKEN_SECRET``.

    The analytics service verifies it with the shared ``verify_token`` (audience
    ``analytics-dashboard``, issuer ``core``). The shared ``issue_token`` mints no other claims, so
    the audience alone says what the token is for: it is no service token (``aud`` names no service).
    """
    issued = int(time.time() if now is None else now)
    secret = get_settings().service_token_secret.get_secret_value()
    token = issue_token(
        issuer="core", audience=DASHBOARD_AUDIENCE, secret=secret, ttl=DASHBOARD_TOKEN_TTL, now=issued
    )
    return DashboardToken(
        token=token,
        audience=DASHBOARD_AUDIENCE,
        expires_in=DASHBOARD_TOKEN_TTL,
        expires_at=datetime.fromtimestamp(issued + DASHBOARD_TOKEN_TTL, tz=UTC),
    )
