"""`make run`: check prerequisites, create and migrate the databases, start every process, print the URLs.

Every port, the database server and a database-name suffix can be overridden from the environment
(or a `.env` file), so a second stack can run beside the first (the newcomer system test does that).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis
from honcho.environ import parse as parse_env_file

from portfolio_shared.auth import KNOWN_CALLERS, SigningKey
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
    env.setdefault("VITE_CORE_URL", env["CORE_URL"])
    env.setdefault("VITE_ANALYTICS_URL", env["ANALYTICS_URL"])
    env.setdefault(
        "ALLOWED_ORIGINS", f"{host}:{env['FRONTEND_PORT']},http://localhost:{env['FRONTEND_PORT']}"
    )
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


def print_table(env: dict[str, str]) -> None:
    rows = [(name, shown) for name, shown, _ in endpoints(env)]
    width = max(len(name) for name, _ in rows)
    print("\nAI Platform Portfolio is running:\n")
    for name, url in rows:
        print(f"  {name.ljust(width)}  {url}")
    print("\nCtrl-C stops everything.\n", flush=True)


def main() -> int:
    env = build_env()
    Path(env["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    check_postgres(env)
    check_redis(env)
    create_databases(env)
    migrate(env)
    seed(env)
    honcho = shutil.which("honcho", path=str(Path(sys.executable).parent)) or "honcho"
    supervisor = subprocess.Popen([honcho, "start", "-f", str(ROOT / "Procfile")], cwd=ROOT, env=env)

    def stop(signum: int, _frame: object) -> None:
        if supervisor.poll() is None:
            supervisor.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if wait_until_up(env, supervisor):
        print_table(env)
    else:
        print("✗ some processes did not come up; see their output above", file=sys.stderr)
    return supervisor.wait()


if __name__ == "__main__":
    sys.exit(main())
