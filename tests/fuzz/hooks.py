"""Schemathesis hooks (``SCHEMATHESIS_HOOKS=tests.fuzz.hooks``): each request carries the credentials
its operation needs, so the fuzzing reaches the code behind the authentication.

``FUZZ_SERVICE`` names the service under test; ``FUZZ_STAFF_SESSION`` is a staff session of core.
A token is minted per request (a few microseconds): tokens live 5 minutes, a run may take longer.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis

from tests.fuzz.credentials import DASHBOARD_AUDIENCE, service_token

#: service under test -> the caller its service-token operations are called as.
CALLER = {"core": "scraper", "scraper": "scheduler", "analytics": "core", "documents": "core"}


def _bearer(audience: str, caller: str) -> str:
    return "Bearer " + service_token(os.environ, caller=caller, audience=audience)


@schemathesis.auth(refresh_interval=None)
class PortfolioAuth:
    def get(self, case: Any, ctx: Any) -> str:
        return os.environ["FUZZ_SERVICE"]

    def set(self, case: Any, data: str, ctx: Any) -> None:
        service, path = data, case.operation.path
        if service == "core":
            if path.startswith("/api/analytics/"):
                case.cookies = {**(case.cookies or {}), "sessionid": os.environ["FUZZ_STAFF_SESSION"]}
                return
            if not path.startswith("/api/internal/"):
                return
        headers = dict(case.headers or {})
        if service == "analytics" and path.startswith("/metrics/"):
            headers["Authorization"] = _bearer(DASHBOARD_AUDIENCE, "core")
        else:
            headers["Authorization"] = _bearer(service, CALLER[service])
        case.headers = headers
