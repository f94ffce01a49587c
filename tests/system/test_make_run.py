"""The newcomer's path: a fresh clone, `make run` on other ports, every /health answers, the first run is
alive, Ctrl-C stops all.

Alive: within 90 s of the URL table, a browser (Debian's Chromium through Playwright,
``frontend/first-run``) sees the home page's content, at least 50 sample papers with topics, the chat
answering about a sample paper and about the sample PDF with its page, and the dashboard's charts of a
week of (sample) traffic.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from scripts.stack import ROOT, drop_databases, http_status, running, stack_env, stop_group, wait_for

pytestmark = pytest.mark.slow

TABLE = "AI Platform Portfolio is running"
#: The newcomer's patience: everything is there within this long after the URL table.
ALIVE_WITHIN_S = 90


def browser_step(env: dict[str, str], deadline: float, out: Path) -> subprocess.CompletedProcess[str]:
    """``frontend/first-run`` against the stack, each check waiting at most until ``deadline``."""
    return subprocess.run(
        ["npx", "playwright", "test", "-c", "playwright.first-run.config.ts"],
        cwd=ROOT / "frontend",
        env={
            **os.environ,
            "FIRST_RUN_FRONTEND_URL": f"http://127.0.0.1:{env['FRONTEND_PORT']}",
            "FIRST_RUN_CORE_URL": env["CORE_URL"],
            "FIRST_RUN_DEADLINE": str(int(deadline * 1000)),
            "FIRST_RUN_OUTPUT": str(out),
        },
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_make_run_in_a_fresh_clone_brings_up_every_service(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    env = stack_env(tmp_path, DEVSTACK_START_TIMEOUT="600")
    urls = [f"{env[k]}/health" for k in ("CORE_URL", "SCRAPER_URL", "ANALYTICS_URL", "DOCUMENTS_URL")]
    urls += [f"{env['CHROMA_URL']}/api/v2/heartbeat", f"http://127.0.0.1:{env['FRONTEND_PORT']}/"]
    log = tmp_path / "make-run.log"
    try:
        with running(["make", "run"], env, clone, log) as proc:
            try:
                wait_for(urls, proc, timeout=900)
                # The table is printed once make run itself has seen every service answer.
                deadline = time.monotonic() + 120
                while TABLE not in log.read_text():
                    assert time.monotonic() < deadline, "make run never printed its URL table"
                    time.sleep(0.5)
                shown_at = time.time()
                assert "load sample data" in log.read_text()
                step = browser_step(env, shown_at + ALIVE_WITHIN_S, tmp_path / "first-run")
                assert step.returncode == 0, step.stdout[-6000:] + step.stderr[-2000:]
            except AssertionError:
                print(log.read_text()[-6000:])
                raise
            # Ctrl-C: the supervisor stops everything it started.
            stop_group(proc, sig=signal.SIGINT, grace=60)
        output = log.read_text()
        assert TABLE in output
        assert env["CORE_URL"] in output
        for url in urls:
            assert http_status(url, timeout=1) is None, f"{url} still answers after Ctrl-C"
    finally:
        drop_databases(env)
