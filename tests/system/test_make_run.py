"""The newcomer's path: a fresh clone, `make run` on other ports, every /health answers, Ctrl-C stops all."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from scripts.stack import ROOT, drop_databases, http_status, running, stack_env, stop_group, wait_for

pytestmark = pytest.mark.slow


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
                while "AI Platform Portfolio is running" not in log.read_text():
                    assert time.monotonic() < deadline, "make run never printed its URL table"
                    time.sleep(0.5)
            except AssertionError:
                print(log.read_text()[-6000:])
                raise
            # Ctrl-C: the supervisor stops everything it started.
            stop_group(proc, sig=signal.SIGINT, grace=60)
        output = log.read_text()
        assert "AI Platform Portfolio is running" in output
        assert env["CORE_URL"] in output
        for url in urls:
            assert http_status(url, timeout=1) is None, f"{url} still answers after Ctrl-C"
    finally:
        drop_databases(env)
