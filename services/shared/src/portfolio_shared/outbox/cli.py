"""The dispatcher as a process: configuration from the environment, flags override, stop on SIGTERM.

Environment (the service's own, read through :class:`~portfolio_shared.settings.ServiceSettings`):
``DATABASE_URL``; ``CORE_URL``, ``SCRAPER_URL``, ``ANALYTICS_URL``, ``DOCUMENTS_URL`` (targets
``core``, ``scraper``, ``analytics``, ``documents``); ``WEBHOOK_SECRETS_<SENDER>`` (comma-separated,
newest first; the sender is ``--sender`` or ``OUTBOX_SENDER``); ``SERVICE_AUTH_MODE`` with
``SERVICE_SIGNING_KEY`` (the sender's own private key) or ``OIDC_METADATA_URL`` for REST messages;
``ENVIRONMENT``; ``LOG_LEVEL``;
``OUTBOX_METRICS_PORT`` to serve Prometheus metrics; ``OUTBOX_BATCH_SIZE``, ``OUTBOX_POLL_INTERVAL``,
``OUTBOX_MAX_ATTEMPTS``, ``OUTBOX_BACKOFF_BASE``, ``OUTBOX_BACKOFF_MAX``, ``OUTBOX_LEASE_SECONDS``,
``OUTBOX_HTTP_TIMEOUT`` to tune it; ``OUTBOX_STARTUP_GRACE`` (seconds, default 0) waits quietly
for targets that are still starting (`make run` sets it).

Example: ``python -m portfolio_shared.outbox --sender scraper --target core=http://127.0.0.1:8000``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from prometheus_client import start_http_server

from portfolio_shared.auth import (
    TARGET_SERVICES,
    audiences_from_settings,
    signing_key,
    token_provider_from_settings,
)
from portfolio_shared.log import configure_logging
from portfolio_shared.outbox.delivery import TokenProvider
from portfolio_shared.outbox.dispatcher import Dispatcher
from portfolio_shared.outbox.metrics import psycopg_cursors, register_outbox_collector
from portfolio_shared.settings import (
    DEV_SECRET,
    PlaceholderSecretError,
    ServiceSettings,
    secret_problem,
    webhook_secrets,
)
from portfolio_shared.tracing import configure_tracing

logger = logging.getLogger("portfolio_shared.outbox")


@dataclass
class DispatcherConfig:
    """Everything :class:`Dispatcher` needs, resolved from flags and environment."""

    database_url: str
    sender: str
    targets: dict[str, str]
    webhook_secrets: dict[str, list[str]]
    token_provider: TokenProvider | None
    audiences: dict[str, str] = field(default_factory=dict)
    metrics_port: int | None = None
    log_level: str = "INFO"
    options: dict[str, Any] = field(default_factory=dict)

    def dispatcher(self) -> Dispatcher:
        """Build the dispatcher this configuration describes."""
        return Dispatcher(
            self.database_url,
            targets=self.targets,
            webhook_secrets=self.webhook_secrets,
            token_provider=self.token_provider,
            audiences=self.audiences,
            caller=self.sender,
            **self.options,
        )


def _pair(value: str) -> tuple[str, str]:
    name, sep, rest = value.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {value!r}")
    return name.strip(), rest.strip()


def build_parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    """Flags of ``python -m portfolio_shared.outbox``; tuning defaults come from ``environ``."""
    env = environ.get
    p = argparse.ArgumentParser(
        prog="python -m portfolio_shared.outbox", description="Run an outbox dispatcher."
    )
    p.add_argument("--database-url", help="the sender's database (default: DATABASE_URL)")
    p.add_argument("--sender", default=env("OUTBOX_SENDER"), help="sending service (OUTBOX_SENDER)")
    p.add_argument("--target", type=_pair, action="append", default=[], help="NAME=BASE_URL, repeatable")
    p.add_argument("--secret", type=_pair, action="append", default=[], help="TARGET=SECRET, repeatable")
    metrics_port = env("OUTBOX_METRICS_PORT")
    p.add_argument("--metrics-port", type=int, default=int(metrics_port) if metrics_port else None)
    p.add_argument("--batch-size", type=int, default=int(env("OUTBOX_BATCH_SIZE", "20")))
    p.add_argument("--poll-interval", type=float, default=float(env("OUTBOX_POLL_INTERVAL", "5")))
    p.add_argument("--max-attempts", type=int, default=int(env("OUTBOX_MAX_ATTEMPTS", "25")))
    p.add_argument("--backoff-base", type=float, default=float(env("OUTBOX_BACKOFF_BASE", "2")))
    p.add_argument("--backoff-max", type=float, default=float(env("OUTBOX_BACKOFF_MAX", "21600")))
    p.add_argument("--lease-seconds", type=float, default=float(env("OUTBOX_LEASE_SECONDS", "300")))
    p.add_argument("--timeout", type=float, default=float(env("OUTBOX_HTTP_TIMEOUT", "30")))
    p.add_argument(
        "--startup-grace",
        type=float,
        default=float(env("OUTBOX_STARTUP_GRACE", "0")),
        help="seconds after start when an unreachable target is logged at DEBUG (OUTBOX_STARTUP_GRACE)",
    )
    p.add_argument(
        "--retention-days",
        type=float,
        default=float(env("OUTBOX_RETENTION_DAYS", "30")),
        help="delete delivered and dead messages this many days old (OUTBOX_RETENTION_DAYS)",
    )
    return p


def resolve_config(argv: Sequence[str] | None = None) -> DispatcherConfig:
    """Combine flags and the process environment into a :class:`DispatcherConfig`.

    Raises :class:`PlaceholderSecretError` in production when a webhook secret is missing, a
    placeholder or too short, anywhere in its rotation list (the settings check keys the same way).
    """
    environ = os.environ
    parser = build_parser(environ)
    args = parser.parse_args(argv)
    if not args.sender:
        parser.error("OUTBOX_SENDER (or --sender) is required: it names WEBHOOK_SECRETS_<SENDER>")
    sender = str(args.sender).lower()
    settings = ServiceSettings(service_name=sender)
    database_url = args.database_url or settings.database_url
    if not database_url:
        parser.error("DATABASE_URL (or --database-url) is required")

    targets = {name: str(getattr(settings, f"{name}_url")).rstrip("/") for name in sorted(TARGET_SERVICES)}
    targets.update(dict(args.target))

    env_name = f"WEBHOOK_SECRETS_{sender.upper()}"
    shared = webhook_secrets(environ.get(env_name))
    if not shared and settings.is_development:
        shared = [DEV_SECRET]
    secrets = {name: list(shared) for name in targets}
    for name, secret in args.secret:
        secrets.setdefault(name, []).insert(0, secret)
    if settings.environment == "production":
        problems = {secret_problem(env_name, ",".join(values)) for values in secrets.values()}
        if not secrets or problems - {None}:
            raise PlaceholderSecretError(
                f"refusing to start in production: {'; '.join(sorted(p for p in problems if p)) or env_name}"
            )

    return DispatcherConfig(
        database_url=database_url,
        sender=sender,
        targets=targets,
        webhook_secrets=secrets,
        # A sender that only delivers webhooks needs no private key in token mode (the documents
        # dispatcher); a REST message then fails with a configuration error, recorded per attempt.
        token_provider=None
        if settings.service_auth_mode == "token" and signing_key(settings) is None
        else token_provider_from_settings(settings),
        audiences=audiences_from_settings(settings),
        metrics_port=args.metrics_port,
        log_level=settings.log_level,
        options={
            "batch_size": args.batch_size,
            "poll_interval": args.poll_interval,
            "max_attempts": args.max_attempts,
            "backoff_base": args.backoff_base,
            "backoff_max": args.backoff_max,
            "lease_seconds": args.lease_seconds,
            "timeout": args.timeout,
            "retention_days": args.retention_days,
            "startup_grace": args.startup_grace,
        },
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run one dispatcher until SIGTERM or SIGINT; return the process exit status."""
    config = resolve_config(argv)
    configure_logging(f"{config.sender}-outbox", config.log_level)
    # Before the dispatcher builds its HTTP client, so deliveries get client spans and a traceparent.
    configure_tracing(f"{config.sender}-outbox")
    if config.metrics_port is not None:
        register_outbox_collector(psycopg_cursors(config.database_url))
        start_http_server(config.metrics_port)
    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        logger.info("outbox dispatcher stopping", extra={"signal": signal.Signals(signum).name})
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    with config.dispatcher() as dispatcher:
        logger.info(
            "outbox dispatcher configured",
            extra={
                "sender": config.sender,
                "targets": config.targets,
                "dispatcher_id": dispatcher.dispatcher_id,
            },
        )
        dispatcher.run_forever(stop)
    return 0
