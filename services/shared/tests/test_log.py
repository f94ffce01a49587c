"""JSON log lines: severity, service, message, request id and extra fields, on stdout."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from portfolio_shared.log import (
    JsonFormatter,
    accept_request_id,
    configure_logging,
    get_request_id,
    request_id_var,
)


@pytest.fixture
def stdout_logging(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """Removes the JSON handler the test installs (bound to this test's captured stdout)."""
    root = logging.getLogger()
    level = root.level
    yield capsys
    for handler in list(root.handlers):
        if getattr(handler, "_portfolio", False):
            root.removeHandler(handler)
    root.setLevel(level)


def start_logging() -> None:
    # Inside the test body: during fixture setup pytest has not yet swapped in the test's stdout.
    configure_logging("test-service", "DEBUG")


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_log_line_has_severity_service_message_and_extra(stdout_logging: pytest.CaptureFixture[str]) -> None:
    start_logging()
    logging.getLogger("portfolio.test").warning("disk %s full", "/data", extra={"percent": 97, "mount": "/"})
    [entry] = [e for e in lines(stdout_logging) if e["logger"] == "portfolio.test"]
    assert entry["severity"] == "WARNING"
    assert entry["service"] == "test-service"
    assert entry["message"] == "disk /data full"
    assert entry["percent"] == 97
    assert entry["mount"] == "/"
    assert "time" in entry
    assert "request_id" not in entry


def test_request_id_from_context_is_logged(stdout_logging: pytest.CaptureFixture[str]) -> None:
    start_logging()
    token = request_id_var.set("req-123")
    try:
        assert get_request_id() == "req-123"
        logging.getLogger("portfolio.test").info("inside a request")
    finally:
        request_id_var.reset(token)
    logging.getLogger("portfolio.test").info("outside")
    inside, outside = [e for e in lines(stdout_logging) if e["logger"] == "portfolio.test"]
    assert inside["request_id"] == "req-123"
    assert inside["severity"] == "INFO"
    assert "request_id" not in outside


def test_exceptions_are_logged_with_traceback(stdout_logging: pytest.CaptureFixture[str]) -> None:
    start_logging()
    try:
        raise ValueError("bad value")
    except ValueError:
        logging.getLogger("portfolio.test").exception("failed")
    [entry] = [e for e in lines(stdout_logging) if e["logger"] == "portfolio.test"]
    assert entry["severity"] == "ERROR"
    assert "ValueError: bad value" in entry["exception"]


def test_configure_logging_twice_keeps_one_handler(stdout_logging: pytest.CaptureFixture[str]) -> None:
    start_logging()
    configure_logging("test-service", "DEBUG")
    logging.getLogger("portfolio.test").info("once")
    assert len([e for e in lines(stdout_logging) if e["logger"] == "portfolio.test"]) == 1


def test_formatter_serialises_unusual_extra_values() -> None:
    record = logging.LogRecord("x", logging.CRITICAL, __file__, 1, "msg", None, None)
    record.payload = {"when": object}
    entry = json.loads(JsonFormatter("svc").format(record))
    assert entry["severity"] == "CRITICAL"
    assert entry["service"] == "svc"
    assert entry["payload"] == {"when": str(object)}


@pytest.mark.parametrize("incoming", ["abc-123", "0f" * 16, "trace/span;o=1"])
def test_sane_request_ids_are_kept(incoming: str) -> None:
    assert accept_request_id(incoming) == incoming


@pytest.mark.parametrize("incoming", [None, "", "has space", "bad\nline", "x" * 201, "\x00"])
def test_garbage_request_ids_are_replaced(incoming: str | None) -> None:
    generated = accept_request_id(incoming)
    assert generated != incoming
    assert len(generated) == 32
    assert accept_request_id(incoming) != generated


def test_console_format_is_one_readable_line_per_event(
    stdout_logging: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_FORMAT", "console")
    configure_logging("scraper", "INFO")
    logging.getLogger("portfolio.test").warning("source slow", extra={"source": "arxiv", "request_id": "r1"})
    [line] = stdout_logging.readouterr().out.splitlines()
    assert line == "\x1b[33mWARNING\x1b[0m scraper: source slow  source=arxiv"


def test_one_access_line_and_no_httpx_request_lines_below_debug(
    stdout_logging: pytest.CaptureFixture[str],
) -> None:
    configure_logging("core", "INFO")
    for name in ("gunicorn.access", "uvicorn.access", "httpx"):
        logging.getLogger(name).info("a request")
        logging.getLogger(name).warning("a problem")  # warnings always get through
    assert [entry["message"] for entry in lines(stdout_logging)] == ["a problem"] * 3
    logging.getLogger("django.request").warning("Not Found: /nothing")  # our access line says 404
    logging.getLogger("django.request").error("Internal Server Error: /boom")
    assert [entry["message"] for entry in lines(stdout_logging)] == ["Internal Server Error: /boom"]
    configure_logging("core", "DEBUG")
    logging.getLogger("httpx").info("HTTP Request: GET http://x")
    assert [entry["message"] for entry in lines(stdout_logging)] == ["HTTP Request: GET http://x"]


def test_a_developers_terminal_hides_each_tasks_success_line_but_never_a_failure(
    stdout_logging: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    trace = logging.getLogger("celery.app.trace")
    configure_logging("documents-worker", "INFO")  # JSON (production): every task's line
    trace.info("Task documents.process_job[1] succeeded in 0.2s")
    assert [entry["message"] for entry in lines(stdout_logging)] == [
        "Task documents.process_job[1] succeeded in 0.2s"
    ]
    monkeypatch.setenv("LOG_FORMAT", "console")
    configure_logging("documents-worker", "INFO")
    trace.info("Task documents.process_job[2] succeeded in 0.2s")
    trace.error("Task documents.process_job[3] raised unexpected: boom")
    shown = stdout_logging.readouterr().out.splitlines()
    assert len(shown) == 1 and "raised unexpected" in shown[0]
