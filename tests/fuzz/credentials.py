"""The credentials the schema fuzzing sends: service tokens, core's dashboard token, a staff session.

Tokens are minted the way the other tests and scripts mint them (``portfolio_shared.auth``), from the
stack's own environment, so a change of the token scheme changes them here in one place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import httpx

from portfolio_shared.auth import issue_token
from portfolio_shared.contracts import ANALYTICS_DASHBOARD_AUDIENCE
from portfolio_shared.schemas.outbox import OUTBOX_MESSAGES_PATH
from scripts import devstack

ROOT = Path(__file__).resolve().parents[2]
#: The audience of the dashboard tokens core mints for the analytics service.
DASHBOARD_AUDIENCE = ANALYTICS_DASHBOARD_AUDIENCE


def service_token(env: Mapping[str, str], *, caller: str, audience: str) -> str:
    """A service token from ``caller`` to ``audience`` that the stack started with ``env`` accepts."""
    return issue_token(issuer=caller, audience=audience, key=devstack.stack_signing_key(dict(env), caller))


#: service under test -> the caller its service-token operations are called as.
CALLER = {"core": "scraper", "scraper": "scheduler", "analytics": "core", "documents": "core"}


def credentials(env: Mapping[str, str], service: str, path: str) -> tuple[dict[str, str], dict[str, str]]:
    """The headers and cookies a request to ``path`` of ``service`` carries: a staff session for
    core's dashboard proxies, a dashboard token for analytics' metrics, else a service token
    (sent to public routes too: they ignore it). ``FUZZ_STAFF_SESSION`` in ``env`` is the session."""
    if service == "core":
        if path.startswith("/api/analytics/"):
            return {}, {"sessionid": env["FUZZ_STAFF_SESSION"]}
        if not path.startswith("/api/internal/"):
            return {}, {}
    if service == "analytics" and path.startswith("/metrics/"):
        token = service_token(env, caller="core", audience=DASHBOARD_AUDIENCE)
    elif path.startswith(OUTBOX_MESSAGES_PATH):  # the shared outbox routes: core's admin reads them
        token = service_token(env, caller="core", audience=service)
    else:
        token = service_token(env, caller=CALLER[service], audience=service)
    return {"Authorization": f"Bearer {token}"}, {}


def staff_session(env: Mapping[str, str], *, username: str, password: str) -> str:
    """Log ``username`` in through core's admin login form; its session id."""
    login = f"/{env.get('DJANGO_ADMIN_PATH', 'admin/').strip('/')}/login/"
    with httpx.Client(base_url=env["CORE_URL"], timeout=30) as client:
        form = client.get(login)
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert csrf is not None, f"no login form at {login}: {form.status_code}"
        client.post(
            login,
            data={"username": username, "password": password, "csrfmiddlewaretoken": csrf[1], "next": "/"},
        )
        session = client.cookies.get("sessionid")
    assert session, f"{username} could not log in to core's admin"
    return session
