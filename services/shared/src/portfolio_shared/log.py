"""JSON logging to stdout, configured once per process, with the request id of the current request.

``LOG_FORMAT`` chooses the shape: ``json`` (the default, production) or ``console``, one coloured
line per event (level, service, message, extra fields) for a developer's terminal. `make run`
sets ``console`` when its own output is a terminal; the children's stdout is a pipe, so they
cannot decide it themselves.

Each line is one JSON object in Cloud Logging's shape: ``severity``, ``message``, ``time``,
``service``, ``logger``, ``request_id`` (when inside a request), the trace fields Cloud Logging
links to Cloud Trace (``logging.googleapis.com/trace``, ``.../spanId``, ``.../trace_sampled`` and a
plain ``trace_id``, when tracing is on and a span is active: see :mod:`portfolio_shared.tracing`)
and every ``extra=`` field given to the log call. The request id lives in a context variable set by
the request-id middleware of each framework and read by outbound clients, so it follows a request
across services.
"""

from __future__ import annotations

import json
import logging
import os
import random
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from portfolio_shared.tracing import log_fields

REQUEST_ID_HEADER = "X-Request-ID"

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged.
# ``color_message`` is uvicorn's ANSI-coloured copy of the message: noise in JSON.
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
}
_SEVERITY = {"WARNING": "WARNING", "CRITICAL": "CRITICAL", "ERROR": "ERROR", "INFO": "INFO", "DEBUG": "DEBUG"}
_MAX_REQUEST_ID = 200


def get_request_id() -> str | None:
    """The request id of the request being handled in this context, if any."""
    return request_id_var.get()


def new_request_id() -> str:
    """A fresh request id: 32 random hex digits. It correlates logs and needs no secrecy, so it
    comes from ``random`` (reseeded in forked workers) rather than a system call per request."""
    return f"{random.getrandbits(128):032x}"


def accept_request_id(incoming: str | None) -> str:
    """Keep a caller's request id when it is sane (printable, bounded), otherwise make one."""
    if incoming and len(incoming) <= _MAX_REQUEST_ID and incoming.isprintable() and " " not in incoming:
        return incoming
    return new_request_id()


class JsonFormatter(logging.Formatter):
    """Formats records as one JSON object per line."""

    def __init__(self, service: str, project: str | None = None) -> None:
        super().__init__()
        self.service = service
        #: Cloud Logging wants the trace as ``projects/<project>/traces/<id>``.
        self.project = project if project is not None else os.environ.get("GOOGLE_CLOUD_PROJECT") or None

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "severity": _SEVERITY.get(record.levelname, "DEFAULT"),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        entry.update(log_fields(self.project))
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


#: ANSI colour of each level on the console.
_LEVEL_COLOURS = {"DEBUG": "2", "INFO": "32", "WARNING": "33", "ERROR": "31", "CRITICAL": "1;31"}
#: Fields the console line leaves out: the request id and trace ids matter in production's JSON.
#: (method, path and status: the access line's message says them).
_CONSOLE_SKIPPED = frozenset({"request_id", "service", "method", "path", "status"})
_CONSOLE_VALUE_MAX = 80


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= _CONSOLE_VALUE_MAX else text[: _CONSOLE_VALUE_MAX - 1] + "…"


class ConsoleFormatter(logging.Formatter):
    """One readable line per event: ``LEVEL service: message key=value ...`` (level in colour)."""

    def __init__(self, service: str, colour: bool = True) -> None:
        super().__init__()
        self.service = service
        self.colour = colour

    def format(self, record: logging.LogRecord) -> str:
        level = record.levelname
        shown = f"{level:<7}"
        if self.colour:
            shown = f"\x1b[{_LEVEL_COLOURS.get(level, '0')}m{shown}\x1b[0m"
        extras = " ".join(
            f"{key}={_short(value)}"
            for key, value in record.__dict__.items()
            if key not in _RESERVED and key not in _CONSOLE_SKIPPED and not key.startswith("_")
        )
        line = f"{shown} {self.service}: {record.getMessage()}"
        if extras:
            line += f"  {extras}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def log_format() -> str:
    """``LOG_FORMAT`` from the environment: ``console`` or (default, and anything else) ``json``."""
    return "console" if os.environ.get("LOG_FORMAT", "").strip().lower() == "console" else "json"


#: Loggers that repeat what our own access line says, log one line per outbound request (httpx's
#: ``HTTP Request: ...``) or narrate a start (Celery's broker connection and mingle, each task's
#: "received" before its "succeeded"): shown only when the process runs at DEBUG.
_CHATTY_LOGGERS = (
    "uvicorn.access",
    "gunicorn.access",
    "httpx",
    "httpcore",
    "celery.worker.strategy",
    "celery.worker.consumer.connection",
    "celery.worker.consumer.mingle",
)
#: On a developer's terminal (``LOG_FORMAT=console``) also shown only at DEBUG: each Celery task's
#: "succeeded" line. With the access line of each webhook delivery (the Django middleware) it makes a
#: pair of lines per indexed document, and a first run indexes some eighty (the sample set), which
#: would bury the rest; failures still show (ERROR), and JSON logs keep both.
_CONSOLE_CHATTY_LOGGERS = ("celery.app.trace",)
#: uvicorn's INFO lines around a start and a stop; "Started server process [pid]" stays (it shows a
#: reload), the address is in `make run`'s table.
_UVICORN_CHATTER = (
    "Waiting for application",
    "Application startup complete",
    "Application shutdown complete",
    "Uvicorn running on",
    "Shutting down",
)


def _not_chatter(record: logging.LogRecord) -> bool:
    return record.levelno > logging.INFO or not record.getMessage().startswith(_UVICORN_CHATTER)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every logger's records to stdout tagged with ``service``, as JSON or (``LOG_FORMAT=console``)
    one readable line per event. Safe to call twice.

    One access line per request: the request-id middlewares (FastAPI and Django) write it, so the
    servers' own access loggers (uvicorn's, gunicorn's) and httpx's per-request lines are raised
    to WARNING unless ``level`` is DEBUG.
    """
    handler = logging.StreamHandler(sys.stdout)
    formatter: logging.Formatter = (
        ConsoleFormatter(service) if log_format() == "console" else JsonFormatter(service)
    )
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_portfolio", False):
            root.removeHandler(existing)
    handler._portfolio = True  # type: ignore[attr-defined]  # marks our handler for idempotent reconfiguration
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Servers' own access/error loggers go through the same JSON handler.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "gunicorn.error", "celery", "django"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    debug = level.upper() == "DEBUG"
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.WARNING)
    quiet_console = log_format() == "console" and not debug
    for name in _CONSOLE_CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING if quiet_console else logging.NOTSET)
    # Django logs each 4xx answer again ("Not Found: /path"); its 5xx (with the traceback) stay.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    server = logging.getLogger("uvicorn.error")
    if _not_chatter in server.filters:
        server.removeFilter(_not_chatter)
    if not debug:
        server.addFilter(_not_chatter)
