"""`make token FOR=<service> [CALLER=<name>]`: a service token for Swagger ("Authorize" on /docs).

Signed with the caller's local key in `$DATA_DIR/keys`, the keys `make run` uses (generated on
first use, see `scripts/devstack.py`). The default caller is `admin`,
which every FastAPI service accepts; core's internal bulk endpoint takes `CALLER=scraper`.
"""

from __future__ import annotations

import argparse
import sys

from portfolio_shared.auth import KNOWN_CALLERS, TARGET_SERVICES, issue_token
from portfolio_shared.contracts import ANALYTICS_DASHBOARD_AUDIENCE
from scripts import devstack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("target", choices=sorted(TARGET_SERVICES | {ANALYTICS_DASHBOARD_AUDIENCE}))
    parser.add_argument("--as", dest="caller", default="admin", choices=sorted(KNOWN_CALLERS))
    args = parser.parse_args(argv)
    env = devstack.build_env()  # generates the keys on first use
    key = devstack.stack_signing_key(env, args.caller)
    print(issue_token(issuer=args.caller, audience=args.target, key=key))
    print(f"(valid 5 minutes; iss={args.caller}, aud={args.target})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
