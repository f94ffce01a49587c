"""`make run`: check prerequisites, create and migrate the databases, start every process, print the URLs.

Every port, the database server and a database-name suffix can be overridden from the environment
(or a `.env` file), so a second stack can run beside the first (the newcomer system test does that).

A quiet development loop: on a terminal the children log one coloured line per event
(``LOG_FORMAT=console``; JSON otherwise), Chroma logs warnings only (``RUST_LOG=warn``) and its
banner is dropped, dispatchers wait quietly for targets that are still starting
(``OUTBOX_STARTUP_GRACE``), migrations print warnings only, and the URL table is printed once
everything answers and the start-up output has settled. On a first run (no papers yet) it then loads
the sample set (``SAMPLE_DATA=false`` turns that off). With ``RELOAD`` on
(the default; ``RELOAD=0`` turns it off, the test stacks do) the Python processes restart when their
code changes: uvicorn's and gunicorn's ``--reload``, and watchfiles for the Celery worker and the
dispatchers (see :func:`dev_procfile`).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis
from honcho.environ import parse as parse_env_file

from portfolio_shared.auth import KNOWN_CALLERS, SigningKey, issue_token
from portfolio_shared.health import DB_CONNECT_TIMEOUT_S

ROOT = Path(__file__).resolve().parent.parent

PORTS = {
    "CORE_PORT": 8000,
    "SCRAPER_PORT": 8001,
    "ANALYTICS_PORT": 8002,
    "DOCUMENTS_PORT": 8003,
    "CHROMA_PORT": 8004,
    "FRONTEND_PORT": 5173,
}
DATABASES = {"CORE": "portfolio_core", "SCRAPER": "portfolio_scraper", "DOCUMENTS": "portfolio_documents"}
START_TIMEOUT = float(os.environ.get("DEVSTACK_START_TIMEOUT", "180"))
#: The URL table waits for this many seconds without output (at most SETTLE_MAX_S) once all answer.
SETTLE_S = 2.0
SETTLE_MAX_S = 20.0
#: After the table, output that pauses (REPRINT_QUIET_S quiet, within REPRINT_MAX_S) brings it back.
REPRINT_QUIET_S = 15.0
REPRINT_MAX_S = 180.0

#: Python source each Procfile process runs: a change there restarts it (with RELOAD on).
SHARED_SRC = "services/shared/src"
WATCHED = {
    "core": ["backend", SHARED_SRC],
    "scraper": ["services/scraper/src", SHARED_SRC],
    "analytics": ["services/analytics/src", SHARED_SRC],
    "documents": ["services/document-processor/src", SHARED_SRC],
    "worker": ["services/document-processor/src", SHARED_SRC],
    "core-outbox": [SHARED_SRC],
    "scraper-outbox": [SHARED_SRC],
    "documents-outbox": [SHARED_SRC],
}


class Unreachable(SystemExit):
    """A prerequisite is down: say which, where we looked and how to start it, then exit 2."""

    def __init__(self, what: str, where: str, error: object, how: str) -> None:
        super().__init__(2)
        print(
            f"\n✗ {what} is not reachable at {where}\n  ({error})\n  Start it with: {how}\n", file=sys.stderr
        )


def build_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every process: ``base`` (default: ours), then `.env`, then the defaults."""
    env = dict(os.environ if base is None else base)
    dotenv = ROOT / ".env"
    if dotenv.exists():
        for key, value in parse_env_file(dotenv.read_text()).items():
            env.setdefault(key, value)
    for key, port in PORTS.items():
        env.setdefault(key, str(port))
    env.setdefault("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    env.setdefault("DATA_DIR", str(ROOT / ".data"))
    env.setdefault("ENVIRONMENT", "development")
    env.setdefault("OUTBOUND_ALLOW_PRIVATE", "true")  # local runs talk to local upstreams
    env.setdefault("OUTBOUND_ALLOWED_PORTS", "*")  # ... on whatever ports they listen
    env.setdefault("RELOAD", "1")
    env.setdefault("RUST_LOG", "warn")  # Chroma (a Rust server): warnings and errors only
    env.setdefault("OUTBOX_STARTUP_GRACE", "120")  # dispatchers wait quietly while targets start
    env.setdefault("GUNICORN_CMD_ARGS", "--log-level warning")  # core: no start-up narration
    env.setdefault("CELERY_QUIET", "1")  # the worker's `--quiet`: no banner
    suffix = env.get("PORTFOLIO_DB_SUFFIX", "")
    for service, name in DATABASES.items():
        env.setdefault(f"{service}_DATABASE_URL", f"{env['POSTGRES_URL'].rstrip('/')}/{name}{suffix}")
    host = "http://127.0.0.1"
    env.setdefault("CORE_URL", f"{host}:{env['CORE_PORT']}")
    env.setdefault("SCRAPER_URL", f"{host}:{env['SCRAPER_PORT']}")
    env.setdefault("ANALYTICS_URL", f"{host}:{env['ANALYTICS_PORT']}")
    env.setdefault("DOCUMENTS_URL", f"{host}:{env['DOCUMENTS_PORT']}")
    env.setdefault("CHROMA_URL", f"{host}:{env['CHROMA_PORT']}")
    env.setdefault("MEDIA_ROOT", str(Path(env["DATA_DIR"]) / "media"))
    # Where the document processor fetches core's media (the CV): core itself, trusted by its SSRF guard.
    env.setdefault("CORE_PUBLIC_URL", env["CORE_URL"])
    env.setdefault("VITE_CORE_URL", env["CORE_URL"])
    env.setdefault("VITE_ANALYTICS_URL", env["ANALYTICS_URL"])
    env.setdefault(
        "ALLOWED_ORIGINS", f"{host}:{env['FRONTEND_PORT']},http://localhost:{env['FRONTEND_PORT']}"
    )
    # The public site (the SPA): the admin's "View site" and live dashboard link, content's source URLs.
    env.setdefault("SITE_URL", f"{host}:{env['FRONTEND_PORT']}")
    ensure_keys(env)
    return env


def key_dir(env: dict[str, str]) -> Path:
    """Where this stack's token-mode keys live: ``$DATA_DIR/keys/<caller>.key`` (PKCS#8 PEM)."""
    return Path(env["DATA_DIR"]) / "keys"


def ensure_keys(env: dict[str, str]) -> None:
    """Generate a private key per caller on first run (readable by the owner only), and give every
    process the callers' public keys (``SERVICE_CALLER_KEYS_<CALLER>``). Each process reads only its
    own private key file (the Procfile sets its ``SERVICE_SIGNING_KEY``)."""
    directory = key_dir(env)
    directory.mkdir(parents=True, exist_ok=True)
    for caller in sorted(KNOWN_CALLERS):
        path = directory / f"{caller}.key"
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(SigningKey.generate().pem())
        name = f"SERVICE_CALLER_KEYS_{caller.upper()}"
        if not env.get(name):  # a .env copied from .env.example leaves them empty
            env[name] = SigningKey.load(path.read_text()).public().text()


def stack_signing_key(env: dict[str, str], caller: str) -> SigningKey:
    """The private key of ``caller`` in the stack of ``env`` (to mint tokens as it from outside)."""
    return SigningKey.load((key_dir(env) / f"{caller}.key").read_text())


def address(url: str, default_port: int) -> str:
    """host:port of ``url`` (never its credentials)."""
    parts = urlsplit(url)
    return f"{parts.hostname or '127.0.0.1'}:{parts.port or default_port}"


def check_postgres(env: dict[str, str]) -> None:
    url = env["POSTGRES_URL"].rstrip("/") + "/postgres"
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as exc:
        raise Unreachable(
            "PostgreSQL",
            f"{address(url, 5432)} (POSTGRES_URL)",
            str(exc).strip().splitlines()[0] if str(exc).strip() else exc,
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
            "   — or: docker compose up -d postgres",
        ) from None


def check_redis(env: dict[str, str]) -> None:
    try:
        redis.Redis.from_url(env["REDIS_URL"], socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        raise Unreachable(
            "Redis",
            f"{address(env['REDIS_URL'], 6379)} (REDIS_URL)",
            exc,
            "redis-server --daemonize yes --port 6379   — or: docker compose up -d redis",
        ) from None


def create_databases(env: dict[str, str]) -> None:
    with psycopg.connect(
        env["POSTGRES_URL"].rstrip("/") + "/postgres", autocommit=True, connect_timeout=DB_CONNECT_TIMEOUT_S
    ) as conn:
        for service in DATABASES:
            parts = urlsplit(env[f"{service}_DATABASE_URL"])
            name = parts.path.lstrip("/")
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
                print(f"  created database {name}")


def run_step(title: str, cmd: list[str], env: dict[str, str], cwd: Path = ROOT) -> None:
    print(f"→ {title}")
    result = subprocess.run(cmd, cwd=cwd, env=env, check=False)
    if result.returncode != 0:
        print(f"✗ {title} failed (exit {result.returncode}): {' '.join(cmd)}", file=sys.stderr)
        raise SystemExit(result.returncode)


def migrate(env: dict[str, str]) -> None:
    py = [sys.executable]
    env = {**env, "LOG_LEVEL": "WARNING"}  # each step says what it does; the migrations' own lines are noise
    run_step(
        "migrate core",
        [*py, "manage.py", "migrate", "--noinput", "-v", "0"],
        {**env, "DATABASE_URL": env["CORE_DATABASE_URL"]},
        ROOT / "backend",
    )
    run_step(
        "collect core's static files",
        [*py, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        {**env, "DATABASE_URL": env["CORE_DATABASE_URL"]},
        ROOT / "backend",
    )
    run_step(
        "migrate scraper",
        [*py, "-m", "portfolio_scraper.migrate"],
        {**env, "DATABASE_URL": env["SCRAPER_DATABASE_URL"]},
    )
    run_step(
        "migrate documents",
        [*py, "-m", "portfolio_documents.migrate"],
        {**env, "DATABASE_URL": env["DOCUMENTS_DATABASE_URL"]},
    )


def seed(env: dict[str, str]) -> None:
    run_step(
        "load sample content",
        [sys.executable, "manage.py", "seed_dev"],
        {**env, "DATABASE_URL": env["CORE_DATABASE_URL"]},
        ROOT / "backend",
    )


def enabled(env: dict[str, str], name: str) -> bool:
    """A switch of ours (``RELOAD``, ``SAMPLE_DATA``): on unless set to 0/false/no/off/empty."""
    return env.get(name, "1").strip().lower() not in {"0", "false", "no", "off", ""}


def reload_enabled(env: dict[str, str]) -> bool:
    return enabled(env, "RELOAD")


def core_command_env(env: dict[str, str]) -> dict[str, str]:
    """The environment of a core management command beside the stack of ``env``: core's database and
    core's own signing key, as the Procfile gives the core process (the command calls other services)."""
    return {
        **env,
        "DATABASE_URL": env["CORE_DATABASE_URL"],
        "SERVICE_SIGNING_KEY": (key_dir(env) / "core.key").read_text(),
    }


def load_sample_data(env: dict[str, str]) -> None:
    """On a first run (no papers yet), the sample set (``manage.py load_sample_data --if-empty``): it
    needs the scraper, the document processor and analytics answering. A failure is reported and the
    stack keeps running (``SAMPLE_DATA=false`` turns the step off)."""
    if not enabled(env, "SAMPLE_DATA"):
        return
    print("→ load sample data (first run only; SAMPLE_DATA=false turns it off)", flush=True)
    result = subprocess.run(
        [sys.executable, "manage.py", "load_sample_data", "--if-empty"],
        cwd=ROOT / "backend",
        env={**core_command_env(env), "LOG_LEVEL": "WARNING"},
        check=False,
    )
    if result.returncode != 0:
        print("✗ the sample data did not load completely; see above", file=sys.stderr, flush=True)


def warm_up_search(env: dict[str, str]) -> None:
    """One search, so the document processor loads its embedder now: core gives the chatbot's search
    only a few seconds, less than a cold start takes on a loaded machine (the first question asked
    would fail)."""
    token = issue_token(issuer="core", audience="documents", key=stack_signing_key(env, "core"))
    request = urllib.request.Request(  # noqa: S310 - our own local document processor
        f"{env['DOCUMENTS_URL']}/search",
        data=json.dumps({"query": "warm up", "k": 1}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
        response.read()


def dev_procfile(env: dict[str, str]) -> Path:
    """The Procfile to run: the repository's, or (``RELOAD`` on) a copy in ``$DATA_DIR`` whose Python
    processes restart when a file they run changes (:data:`WATCHED`).

    gunicorn gets ``--reload`` (its workers restart when a loaded module changes), uvicorn
    ``--reload`` with one ``--reload-dir`` per watched directory (and its own start-up lines at
    WARNING: a reload is logged as one), and the rest (the Celery worker,
    the dispatchers) run under ``watchfiles``, which restarts the command on a ``.py`` change.
    """
    procfile = ROOT / "Procfile"
    if not reload_enabled(env):
        return procfile
    lines = []
    for line in procfile.read_text().splitlines():
        name, sep, command = line.partition(":")
        dirs = WATCHED.get(name.strip()) if sep and not line.startswith("#") else None
        if dirs:
            command = reloading(command, [str(ROOT / d) for d in dirs])
        lines.append(f"{name}:{command}" if dirs else line)
    path = Path(env["DATA_DIR"]) / "Procfile.dev"
    path.write_text("\n".join(lines) + "\n")
    return path


_UV_RUN = "uv run --no-sync "


def reloading(command: str, dirs: list[str]) -> str:
    """``command`` (one Procfile line's) with the reload of its server, or run under watchfiles."""
    if re.search(r"\bgunicorn\b", command):
        return f"{command} --reload"
    if re.search(r"\buvicorn\s", command):
        # The reloader narrates its start at INFO; a reload itself is a WARNING ("... Reloading...").
        dirs_flags = "".join(f" --reload-dir {shlex.quote(d)}" for d in dirs)
        return f"{command} --reload{dirs_flags} --log-level warning"
    head, sep, target = command.partition(_UV_RUN)
    if not sep or any(c in target for c in "$\"'`;&|"):
        return command  # not a plain `uv run` command: left as it is (no reload)
    watched = " ".join(shlex.quote(d) for d in dirs)
    return (
        f"{head}{_UV_RUN}watchfiles --filter python --verbosity warning --sigint-timeout 10 "
        f"{shlex.quote(target)} {watched}"
    )


def endpoints(env: dict[str, str]) -> list[tuple[str, str, str]]:
    """(name, URL shown to the user, URL polled until it answers)."""
    core, docs = env["CORE_URL"], env["DOCUMENTS_URL"]
    return [
        (
            "frontend",
            f"http://127.0.0.1:{env['FRONTEND_PORT']}/",
            f"http://127.0.0.1:{env['FRONTEND_PORT']}/",
        ),
        ("core API docs", f"{core}/api/docs/", f"{core}/health"),
        ("core admin", f"{core}/{env.get('DJANGO_ADMIN_PATH', 'admin/').strip('/')}/", f"{core}/health"),
        ("scraper", f"{env['SCRAPER_URL']}/docs", f"{env['SCRAPER_URL']}/health"),
        ("analytics", f"{env['ANALYTICS_URL']}/docs", f"{env['ANALYTICS_URL']}/health"),
        ("document processor", f"{docs}/docs", f"{docs}/health"),
        ("chroma", env["CHROMA_URL"], f"{env['CHROMA_URL']}/api/v2/heartbeat"),
    ]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local URLs
            return bool(200 <= response.status < 300)
    except (urllib.error.URLError, OSError):
        return False


def wait_until_up(env: dict[str, str], supervisor: subprocess.Popen[bytes]) -> bool:
    pending = {poll for _, _, poll in endpoints(env)}
    deadline = time.monotonic() + START_TIMEOUT
    while pending and time.monotonic() < deadline and supervisor.poll() is None:
        pending = {url for url in pending if not answers(url)}
        time.sleep(0.5)
    for url in sorted(pending):
        print(f"✗ not answering yet: {url}", file=sys.stderr)
    return not pending


#: honcho's prefix of a child's line: ``HH:MM:SS name.1 | ``.
_PREFIX = re.compile(r"^(\d\d:\d\d:\d\d )(\S+?)(\.\d+)?( *\| )(.*)$", re.DOTALL)
_STARTED = re.compile(r"^\S+ started \(pid=\d+\)$")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: The banner `chroma run` prints before it serves (its URL is in our table): its last line.
_CHROMA_BANNER_END = "chroma copy --to-cloud"
_PROCESS_COLOURS = ("36", "33", "32", "35", "34", "96", "93", "92", "95", "94", "91")


class Console:
    """Forwards the supervisor's output to ours: drops Chroma's start-up banner, strips colour codes
    when our output is not a terminal and colours each process's prefix when it is, and records
    when the last line came (the URL table waits for the output to settle)."""

    def __init__(self, out: object = None) -> None:
        self.out = out or sys.stdout
        isatty = getattr(self.out, "isatty", None)
        self.tty = bool(isatty and isatty())
        self.last_output = time.monotonic()
        self.lock = threading.Lock()
        self._in_banner = True
        self._colours: dict[str, str] = {}

    def line(self, text: str) -> str | None:
        """The line to show for one line of the supervisor's output, or None to drop it."""
        match = _PREFIX.match(text)
        if not match:
            return text if self.tty else _ANSI.sub("", text)
        stamp, name, number, bar, body = match.groups()
        if not _ANSI.sub("", body).strip():
            return None  # blank lines (Vite's, Celery's, Chroma's) only push the rest up
        if name == "system" and _STARTED.match(body):
            return None  # "core.1 started (pid=...)": every process starts; a stop is still shown
        if name == "chroma" and self._in_banner:
            if _CHROMA_BANNER_END in body:
                self._in_banner = False
            return None
        if not self.tty:
            return f"{stamp}{name}{number or ''}{bar}{_ANSI.sub('', body)}"
        colour = self._colours.setdefault(name, _PROCESS_COLOURS[len(self._colours) % len(_PROCESS_COLOURS)])
        return f"\x1b[{colour}m{stamp}{name}{number or ''}{bar}\x1b[0m{body}"

    def write(self, text: str) -> None:
        with self.lock:
            self.out.write(text)  # type: ignore[attr-defined]
            self.out.flush()  # type: ignore[attr-defined]
            self.last_output = time.monotonic()

    def pump(self, stream: object) -> None:
        for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
            shown = self.line(raw.decode("utf-8", "replace").rstrip("\n"))
            if shown is not None:
                self.write(shown + "\n")

    def settle(self, quiet: float = SETTLE_S, at_most: float = SETTLE_MAX_S) -> None:
        """Wait until no line came for ``quiet`` seconds (at most ``at_most`` seconds)."""
        deadline = time.monotonic() + at_most
        while time.monotonic() < deadline and time.monotonic() - self.last_output < quiet:
            time.sleep(0.2)


def print_table(env: dict[str, str]) -> None:
    rows = [(name, shown) for name, shown, _ in endpoints(env)]
    width = max(len(name) for name, _ in rows)
    print("\nAI Platform Portfolio is running:\n")
    for name, url in rows:
        print(f"  {name.ljust(width)}  {url}")
    print(
        "\nSwagger's Authorize wants a service token: make token FOR=core|scraper|analytics|documents"
        + ("\nPython changes restart their process (RELOAD=0 turns that off)." if reload_enabled(env) else "")
        + " Ctrl-C stops everything.\n",
        flush=True,
    )


def main() -> int:
    env = build_env()
    Path(env["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    check_postgres(env)
    check_redis(env)
    create_databases(env)
    migrate(env)
    seed(env)
    console = Console()
    # The children's stdout is a pipe: we decide for them whether a person reads their lines.
    env.setdefault("LOG_FORMAT", "console" if console.tty else "json")
    if not console.tty:
        env.setdefault("NO_COLOR", "1")  # no colour codes in a log file
    honcho = shutil.which("honcho", path=str(Path(sys.executable).parent)) or "honcho"
    procfile = dev_procfile(env)
    supervisor = subprocess.Popen(
        [honcho, "start", "-f", str(procfile), "-d", str(ROOT)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    pump = threading.Thread(target=console.pump, args=(supervisor.stdout,), daemon=True)
    pump.start()

    stopping = threading.Event()

    def stop(signum: int, _frame: object) -> None:
        stopping.set()
        if supervisor.poll() is None:
            supervisor.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if wait_until_up(env, supervisor):
        console.settle()
        with console.lock:
            print_table(env)
            shown_at = console.last_output = time.monotonic()
        # After the table: indexing the sample set prints a line or two per document, and the
        # table comes back below once that pauses (the loop below).
        load_sample_data(env)
        try:
            warm_up_search(env)
        except (urllib.error.URLError, OSError) as exc:
            print(f"✗ the document processor's search did not warm up: {exc}", file=sys.stderr, flush=True)
        # The first minutes index the sample content: each time that output pauses, the table again.
        until = time.monotonic() + REPRINT_MAX_S
        while time.monotonic() < until and supervisor.poll() is None and not stopping.is_set():
            console.settle(quiet=REPRINT_QUIET_S, at_most=until - time.monotonic())
            paused = time.monotonic() - console.last_output >= REPRINT_QUIET_S
            if console.last_output > shown_at and paused and not stopping.is_set():
                with console.lock:
                    print_table(env)
                    shown_at = console.last_output = time.monotonic()
            time.sleep(0.5)
    else:
        print("✗ some processes did not come up; see their output above", file=sys.stderr)
    code = supervisor.wait()
    pump.join(timeout=5)
    return code


if __name__ == "__main__":
    sys.exit(main())
