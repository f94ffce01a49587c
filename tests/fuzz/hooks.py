"""Schemathesis hooks (``SCHEMATHESIS_HOOKS=tests.fuzz.hooks``): each request carries the credentials
its operation needs (:func:`tests.fuzz.credentials.credentials`), so the fuzzing reaches the code
behind the authentication. ``FUZZ_SERVICE`` names the service under test.

A token is minted per request (microseconds): tokens live 5 minutes, a run may take longer.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis

from tests.fuzz.credentials import credentials


@schemathesis.auth(refresh_interval=None)
class PortfolioAuth:
    def get(self, case: Any, ctx: Any) -> str:
        return os.environ["FUZZ_SERVICE"]

    def set(self, case: Any, data: str, ctx: Any) -> None:
        headers, cookies = credentials(os.environ, data, case.operation.path)
        if headers:
            case.headers = {**(case.headers or {}), **headers}
        if cookies:
            case.cookies = {**(case.cookies or {}), **cookies}
