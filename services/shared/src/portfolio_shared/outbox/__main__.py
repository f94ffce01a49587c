"""``python -m portfolio_shared.outbox``: run one outbox dispatcher (see ``cli.py``)."""

from portfolio_shared.outbox.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
