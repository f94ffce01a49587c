"""The whole stack for the browser end-to-end suite (`frontend/e2e/`), started once per Playwright run.

Playwright's ``webServer`` runs ``python -m scripts.e2e_stack --frontend-port N --state FILE``:

1. builds the SPA with ``VITE_CORE_URL``/``VITE_ANALYTICS_URL``/``VITE_ADMIN_URL`` pointing at this
   stack (while the services start, on ports chosen up front);
2. starts every Procfile process but the dev server on free ports with throwaway databases
   (:func:`scripts.stack.services_running`), ``ALLOWED_ORIGINS`` naming the SPA's origin, and
   analytics' Redis keys under a prefix of this run's own;
3. seeds the sample content and the owner account (``manage.py seed_dev``) and the papers of
   ``frontend/e2e/fixtures/papers.json`` through core's real ``POST /api/internal/papers/bulk/``
   with a scraper service token (their Hugging Face thumbnails point at a local fake upstream, core's
   ``THUMBNAIL_UPSTREAM_URL``, which serves generated PNGs; the scraper's sources are there too, so a
   scrape started from the admin ends quickly and the same way every run), then warms the document
   processor's search up and waits until every fixture paper's text is indexed (core's outbox → the
   worker: similar papers, paper answers), and puts one message core refuses in the scraper's
   outbox (the admin's outbox page shows it failing);
4. serves the build with ``vite preview`` on ``--frontend-port`` (Playwright waits for that URL), and
   writes the URLs, the owner's credentials and the stack's ``DATA_DIR`` (its service keys, for
   ``scripts.service_token``) to ``--state`` for the tests;
5. on SIGTERM/SIGINT/SIGHUP, or when ``--parent-pid`` is gone, stops exactly what it started, drops
   the databases, deletes its Redis keys and copies the processes' logs to ``--log-dir``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg
import redis

from portfolio_shared.auth import issue_token
from portfolio_shared.contracts import paper_text_key
from portfolio_shared.health import DB_CONNECT_TIMEOUT_S
from portfolio_shared.outbox import enqueue
from scripts import devstack
from scripts.stack import free_port, running, services_running, wait_for

ROOT = Path(__file__).resolve().parents[1]
FRONTEND = ROOT / "frontend"
PAPERS = FRONTEND / "e2e" / "fixtures" / "papers.json"
#: Every Procfile process but ``frontend`` (the dev server): the SPA is the production build here.
PROCESSES = [
    "chroma",
    "core",
    "core-outbox",
    "scraper",
    "scraper-outbox",
    "analytics",
    "documents",
    "worker",
    "documents-outbox",
]
#: The system tests' Redis db (as scripts.stack.stack_env); this run's keys have their own prefix.
REDIS_URL = "redis://127.0.0.1:6379/13"
#: The thumbnails' base URL in the fixture; replaced by the fake upstream's (or dropped without one).
FIXTURE_THUMBNAIL_BASE = "https://thumbnails.invalid/social-thumbnails/"
ADMIN_PATH = "owner-e2e/"  # not the default, so the tests prove they follow DJANGO_ADMIN_PATH


class Stopped(Exception):
    """A stop signal arrived, or the Playwright runner that started us is gone."""


def log(message: str) -> None:
    # stderr: Playwright shows the webServer's stderr, which is where start-up failures must show.
    print(f"[e2e stack] {message}", file=sys.stderr, flush=True)


def on_signal(signum: int, _frame: FrameType | None) -> None:
    # One stop is enough: ignore repeats (uv forwards the signal our process group also received).
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    raise Stopped(signal.Signals(signum).name)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def spa_build(env: dict[str, str], out_dir: Path, log_file: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``vite build`` into ``out_dir`` in the background (its own process group, stopped on exit)."""
    cmd = ["npx", "vite", "build", "--outDir", str(out_dir), "--emptyOutDir", "--logLevel", "warn"]
    with running(cmd, env, FRONTEND, log_file) as proc:
        yield proc


def thumbnail_png(name: str, width: int = 384, height: int = 216) -> bytes:
    """A PNG of a diagonal gradient whose colours follow ``name`` (each paper its own image)."""
    seed = hashlib.sha256(name.encode()).digest()
    start, end = seed[:3], seed[3:6]

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            t = (x / width + y / height) / 2
            rows += bytes(round(a + (b - a) * t) for a, b in zip(start, end, strict=True))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes(rows))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


#: What the local upstream answers the scraper: Hugging Face and Papers with Code have no papers; arXiv is
#: not there (404, after :data:`ARXIV_DELAY` seconds, so that a job runs long enough to be watched), so a
#: scrape from the admin ends ``partial`` with a failed source to re-run.
ARXIV_DELAY = 6.0
EMPTY_PWC_PAGE = json.dumps({"count": 0, "next": None, "previous": None, "results": []}).encode()
SCRAPE_ANSWERS = {
    "/hf/api/daily_papers": b"[]",
    "/pwc/api/v1/papers/recent": EMPTY_PWC_PAGE,
    "/pwc/api/v1/papers/trending": EMPTY_PWC_PAGE,
}


@contextmanager
def local_upstream() -> Iterator[str]:
    """A local stand-in for the third parties: Hugging Face's thumbnail host (a PNG for any ``.png``
    path under ``/social-thumbnails/``) and the scraper's sources (:data:`SCRAPE_ANSWERS`); its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            if path in SCRAPE_ANSWERS:
                self._send(SCRAPE_ANSWERS[path], "application/json")
            elif path.startswith("/social-thumbnails/") and path.endswith(".png"):
                self._send(thumbnail_png(self.path), "image/png")
            elif path.startswith("/arxiv/"):
                time.sleep(ARXIV_DELAY)
                self.send_error(404)
            else:
                self.send_error(404)

        def _send(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.2,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def upstream_overrides(base: str) -> dict[str, str]:
    """Core's thumbnail host and the scraper's sources, all on the local upstream at ``base``."""
    return {
        "THUMBNAIL_UPSTREAM_URL": f"{base}/social-thumbnails/",
        "ARXIV_API_URL": f"{base}/arxiv/api/query",
        "HF_API_URL": f"{base}/hf/api",
        "PWC_API_URL": f"{base}/pwc/api/v1",
    }


def fixture_papers(papers: Path, thumbnail_base: str | None) -> bytes:
    """The bulk body of ``papers``, thumbnails moved under ``thumbnail_base`` (dropped when None)."""
    body = json.loads(papers.read_bytes())
    for paper in body["papers"]:
        url = paper.pop("thumbnail", None)
        if url and thumbnail_base:
            paper["thumbnail"] = thumbnail_base + url.removeprefix(FIXTURE_THUMBNAIL_BASE)
    return json.dumps(body).encode()


def load_papers(env: dict[str, str], papers: Path = PAPERS) -> dict[str, Any]:
    """Upsert ``papers`` (the fixture by default) through core's bulk endpoint, as the scraper does."""
    token = issue_token(issuer="scraper", audience="core", key=devstack.stack_signing_key(env, "scraper"))
    request = urllib.request.Request(  # noqa: S310 - our own local core
        f"{env['CORE_URL']}/api/internal/papers/bulk/",
        data=fixture_papers(papers, env.get("THUMBNAIL_UPSTREAM_URL")),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return dict(json.loads(response.read()))
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"bulk upsert answered {exc.code}: {exc.read()[:2000]!r}") from None


def wait_for_paper_texts(env: dict[str, str], timeout: float = 180.0) -> int:
    """Wait until every fixture paper's text is indexed (core's outbox → the processor's worker), so
    similar papers and the chatbot's paper answers are there when the tests start; their count."""
    ids = [paper["arxiv_id"] for paper in json.loads(PAPERS.read_bytes())["papers"]]
    waiting = set(ids)
    deadline = time.monotonic() + timeout
    while waiting:
        token = issue_token(issuer="core", audience="documents", key=devstack.stack_signing_key(env, "core"))
        for arxiv_id in sorted(waiting):
            key = urllib.parse.quote(paper_text_key(arxiv_id), safe="")
            request = urllib.request.Request(  # noqa: S310 - our own local document processor
                f"{env['DOCUMENTS_URL']}/documents/{key}", headers={"Authorization": f"Bearer {token}"}
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    response.read()
                waiting.discard(arxiv_id)
            except urllib.error.HTTPError as exc:
                if exc.code != 404:
                    raise
        if waiting and time.monotonic() > deadline:
            raise RuntimeError(f"paper texts not indexed after {timeout:.0f} s: {sorted(waiting)}")
        if waiting:
            time.sleep(0.5)
    return len(ids)


#: A message core refuses (its ``papers`` is not a list): it stays failing in the scraper's outbox
#: with core's 4xx as its last error, for the admin's outbox page (read through the scraper's API).
UNDELIVERABLE = {"papers": "not a list"}


def undeliverable_message(env: dict[str, str]) -> str:
    """Put one message core answers 4xx to in the scraper's outbox; its id."""
    with (
        psycopg.connect(env["SCRAPER_DATABASE_URL"], connect_timeout=DB_CONNECT_TIMEOUT_S) as conn,
        conn.cursor() as cur,
    ):
        return enqueue(
            cur, destination="core", path="/api/internal/papers/bulk/", kind="rest", payload=UNDELIVERABLE
        )


def delete_redis_keys(prefix: str) -> None:
    """Remove this run's analytics keys (never a flush: other suites share the Redis db)."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(match=f"{prefix}:*", count=500):
            client.delete(key)
    except redis.RedisError as exc:
        log(f"could not delete the Redis keys under {prefix}: {exc}")
    finally:
        client.close()


def state(env: dict[str, str], frontend_url: str) -> dict[str, Any]:
    core = env["CORE_URL"]
    return {
        "frontendUrl": frontend_url,
        "coreUrl": core,
        "analyticsUrl": env["ANALYTICS_URL"],
        "adminUrl": f"{core}/{env['DJANGO_ADMIN_PATH'].strip('/')}/",
        "adminUser": env["DEV_ADMIN_USER"],
        "adminPassword": env["DEV_ADMIN_PASSWORD"],
        "papersFile": str(PAPERS),
        # The stack's token-mode keys are under it: a test mints a 5-minute service token as an
        # operator would (`scripts.service_token` with this DATA_DIR), e.g. to load the sample week.
        "dataDir": env["DATA_DIR"],
    }


def serve(args: argparse.Namespace, tmp: Path) -> None:
    core_port, analytics_port = free_port(), free_port()
    host = "http://127.0.0.1"
    overrides = {
        "CORE_PORT": str(core_port),
        "ANALYTICS_PORT": str(analytics_port),
        "FRONTEND_PORT": str(args.frontend_port),
        "SITE_URL": f"http://127.0.0.1:{args.frontend_port}",  # the admin's "View site" is this stack's SPA
        "ENVIRONMENT": "development",
        "DJANGO_ADMIN_PATH": ADMIN_PATH,
        "DEV_ADMIN_USER": "owner",
        "DEV_ADMIN_PASSWORD": secrets.token_urlsafe(12),
        "LLM_PROVIDER": "extractive",
        "EMBEDDING_PROVIDER": "local",
        "ANALYTICS_DASHBOARD_PUBLIC": "false",
        "SCRAPE_SCHEDULE": "",  # no scrape of the (unreachable) real upstreams mid-run
        "REDIS_URL": REDIS_URL,
        # Analytics state of this run only, under its own Redis key prefix and pub/sub channel.
        "ANALYTICS_REDIS_PREFIX": args.redis_prefix,
        "REALTIME_CHANNEL": f"{args.redis_prefix}-realtime",
        # Every browser of the suite reaches analytics from 127.0.0.1: one client address for its rate limit.
        "ANALYTICS_RATE_LIMIT_BURST": "100000",
        # As behind one reverse proxy: a browser that sends X-Forwarded-For (the dashboard test's visitor
        # "from abroad") is located by that address; one that sends none is its peer, 127.0.0.1 (unknown).
        "TRUSTED_PROXY_COUNT": "1",
        "OUTBOX_POLL_INTERVAL": "0.5",
        "OUTBOX_BACKOFF_BASE": "0.5",
    }
    build_env = {
        **os.environ,
        "VITE_CORE_URL": f"{host}:{core_port}",
        "VITE_ANALYTICS_URL": f"{host}:{analytics_port}",
        "VITE_ADMIN_URL": f"{host}:{core_port}/{ADMIN_PATH}",
    }
    dist = tmp / "dist"
    frontend_url = f"{host}:{args.frontend_port}"
    with ExitStack() as stack:
        overrides.update(upstream_overrides(stack.enter_context(local_upstream())))
        log(f"building the SPA for core {build_env['VITE_CORE_URL']}, starting {', '.join(PROCESSES)}")
        build = stack.enter_context(spa_build(build_env, dist, tmp / "vite-build.log"))
        env = stack.enter_context(services_running(tmp, PROCESSES, **overrides))
        log("services ready; loading the sample content and the owner account")
        devstack.seed(env)
        result = load_papers(env)
        log(f"papers loaded: {result}")
        devstack.warm_up_search(env)
        log(f"paper texts indexed: {wait_for_paper_texts(env)}")
        log(f"an undeliverable message in the scraper's outbox: {undeliverable_message(env)}")
        if build.wait() != 0:
            raise RuntimeError(f"vite build failed (exit {build.returncode}); see vite-build.log")
        # The state file comes first: Playwright starts the tests as soon as the preview answers.
        args.state.parent.mkdir(parents=True, exist_ok=True)
        args.state.write_text(json.dumps(state(env, frontend_url), indent=2))
        preview_cmd = ["npx", "vite", "preview", "--outDir", str(dist), "--host", "127.0.0.1"]
        preview_cmd += ["--port", str(args.frontend_port), "--strictPort"]
        preview = stack.enter_context(running(preview_cmd, env, FRONTEND, tmp / "vite-preview.log"))
        wait_for([frontend_url + "/"], preview, timeout=120)
        log(f"ready: {frontend_url} (state in {args.state})")
        while True:
            if args.parent_pid and not alive(args.parent_pid):
                raise Stopped("the Playwright runner is gone")
            if preview.poll() is not None:
                raise RuntimeError(f"vite preview exited with {preview.returncode}")
            time.sleep(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--frontend-port", type=int, required=True, help="where vite preview serves the SPA")
    parser.add_argument("--state", type=Path, required=True, help="JSON file the tests read the URLs from")
    parser.add_argument("--log-dir", type=Path, default=FRONTEND / "test-results" / "e2e-stack")
    parser.add_argument("--parent-pid", type=int, default=0, help="stop when this process is gone")
    args = parser.parse_args(argv)
    args.redis_prefix = f"e2e-{secrets.token_hex(4)}"
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    tmp = Path(tempfile.mkdtemp(prefix="portfolio-e2e-"))
    code = 0
    try:
        serve(args, tmp)
    except Stopped as stop:
        log(f"stopping ({stop})")
    except Exception:  # any start-up failure: report it, then clean up all the same
        log("failed:\n" + traceback.format_exc())
        code = 1
    finally:
        args.state.unlink(missing_ok=True)
        delete_redis_keys(args.redis_prefix)
        args.log_dir.mkdir(parents=True, exist_ok=True)
        for path in tmp.glob("*.log"):
            shutil.copy(path, args.log_dir / path.name)
        shutil.rmtree(tmp, ignore_errors=True)
        log(f"stopped; logs in {args.log_dir}")
    return code


if __name__ == "__main__":
    sys.exit(main())
