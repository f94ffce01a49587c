"""The credentials the schema fuzzing sends: service tokens, core's dashboard token, a staff session.

Tokens are minted the way the other tests and scripts mint them (``portfolio_shared.auth``), from the
stack's own environment, so a change of the token scheme changes them here in one place.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from portfolio_shared.auth import issue_token
from portfolio_shared.settings import DEV_SECRET

ROOT = Path(__file__).resolve().parents[2]
#: The audience of the dashboard tokens core mints for the analytics service.
DASHBOARD_AUDIENCE = "analytics-dashboard"


def service_token(env: Mapping[str, str], *, caller: str, audience: str) -> str:
    """A service token from ``caller`` to ``audience`` that the stack started with ``env`` accepts."""
    secret = env.get("SERVICE_TOKEN_SECRET") or DEV_SECRET
    return issue_token(issuer=caller, audience=audience, secret=secret)


def staff_session(env: Mapping[str, str]) -> str:
    """The session id of a staff user logged in to the core of the stack started with ``env``."""
    script = (
        "import django; django.setup()\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.test import Client\n"
        "user, _ = get_user_model().objects.get_or_create(username='fuzz-staff', "
        "defaults={'is_staff': True})\n"
        "client = Client()\n"
        "client.force_login(user)\n"
        "print(client.cookies['sessionid'].value)\n"
    )
    process_env = {**os.environ, **env, "DATABASE_URL": env["CORE_DATABASE_URL"]}
    process_env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT / "backend",
        env=process_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]
