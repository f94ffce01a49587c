"""Short-lived tokens for the analytics dashboard (its REST reads and its Socket.IO connection), and
the owner's read-only share links that obtain them without a login.

A dashboard token is read-only whoever holds it: the analytics service accepts it only on its
dashboard reads (``GET /metrics/*``) and the realtime feed, never on a write (ingestion needs no
token, export and the sample data need a service token). A token issued for a share link is the
same token, shorter-lived (:data:`SHARED_TOKEN_TTL`), so revoking a link ends its access within
that time.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from config.env import get_settings
from insights.models import DashboardShareLink
from portfolio_shared.auth import issue_token, signing_key
from portfolio_shared.contracts import ANALYTICS_DASHBOARD_AUDIENCE
from portfolio_shared.errors import Forbidden, Unauthorized

DASHBOARD_AUDIENCE = ANALYTICS_DASHBOARD_AUDIENCE
#: The longest the shared token code allows; the dashboard asks for a new one before it expires.
DASHBOARD_TOKEN_TTL = 300


@dataclass(frozen=True)
class DashboardToken:
    token: str
    audience: str
    expires_in: int
    expires_at: datetime


def issue_dashboard_token(*, now: float | None = None, ttl: int = DASHBOARD_TOKEN_TTL) -> DashboardToken:
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
    token = issue_token(issuer="core", audience=DASHBOARD_AUDIENCE, key=key, ttl=ttl, now=issued)
    return DashboardToken(
        token=token,
        audience=DASHBOARD_AUDIENCE,
        expires_in=ttl,
        expires_at=datetime.fromtimestamp(issued + ttl, tz=UTC),
    )


# -- share links ------------------------------------------------------------------------------------

#: A dashboard token issued for a share link lives this long (never past the link's expiry); the
#: dashboard asks for a new one before then, so a revoked link stops working within this time.
SHARED_TOKEN_TTL = 120
#: The SPA's dashboard route; a share link is this URL with ``?share=<token>`` on ``SITE_URL``.
DASHBOARD_PATH = "/analytics"
SHARE_QUERY_PARAMETER = "share"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share_url(token: str) -> str:
    """The address of the shared dashboard for ``token`` (on the SPA, ``SITE_URL``)."""
    return f"{settings.SITE_URL}{DASHBOARD_PATH}?{urlencode({SHARE_QUERY_PARAMETER: token})}"


@transaction.atomic
def mint_share_link(
    *, label: str, expires_at: datetime | None = None, created_by: AbstractBaseUser | None = None
) -> tuple[DashboardShareLink, str]:
    """A new share link and its token; the token is not stored (only its hash), show it now."""
    token = secrets.token_urlsafe(32)
    link = DashboardShareLink.objects.create(
        label=label, token_hash=_token_hash(token), expires_at=expires_at, created_by=created_by
    )
    return link, token


def revoke_share_links(*, links: QuerySet[DashboardShareLink], now: datetime | None = None) -> int:
    """Revoke ``links`` (those not revoked yet); how many were revoked."""
    return links.filter(revoked_at__isnull=True).update(revoked_at=now or timezone.now())


def issue_shared_dashboard_token(*, share_token: str, now: float | None = None) -> DashboardToken:
    """A read-only dashboard token for the holder of a valid share link.

    Raises :class:`Unauthorized` (401 ``share_link_invalid``) for a token that names no link, and
    :class:`Forbidden` (403 ``share_link_revoked`` / ``share_link_expired``) for a link that no
    longer grants access.
    """
    issued = time.time() if now is None else now
    at = datetime.fromtimestamp(issued, tz=UTC)
    link = DashboardShareLink.objects.filter(token_hash=_token_hash(share_token)).first()
    if link is None:
        raise Unauthorized("This share link is not valid.", code="share_link_invalid")
    state = link.state(at)
    if state == "revoked":
        raise Forbidden("This share link has been revoked by the owner.", code="share_link_revoked")
    if state == "expired":
        raise Forbidden("This share link has expired.", code="share_link_expired")
    ttl = SHARED_TOKEN_TTL
    if link.expires_at is not None:
        ttl = max(1, min(ttl, int((link.expires_at - at).total_seconds())))
    DashboardShareLink.objects.filter(pk=link.pk).update(last_used_at=at, use_count=F("use_count") + 1)
    return issue_dashboard_token(now=issued, ttl=ttl)
