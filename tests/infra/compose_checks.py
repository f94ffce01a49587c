"""docker-compose.yml checked against the repository, without a Docker engine.

Every ``check_*`` function takes the parsed compose file (a dict, so a test can break a copy on purpose)
and the repository root, and returns a list of problems: empty means the check passes.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.infra.compose_model import (
    build_args,
    command_argv,
    container_ports,
    depends_on,
    environment,
    image,
    one_shot_services,
    parse_dockerfile,
    port_mappings,
    service_command,
    volume_mounts,
)
from tests.infra.dockerfile import Dockerfile, DockerIgnore, context_files
from tests.infra.workspace import DESIGN_DATABASES, DESIGN_PORTS

REQUIRED_SERVICES = {
    "postgres", "redis", "chroma", "core", "scraper", "analytics", "document-processor", "worker", "frontend",
}  # fmt: skip
#: Where the third-party images keep their data: each must be a named volume.
DATA_PATHS = {"postgres": "/var/lib/postgresql/data", "redis": "/data", "chroma": "/data"}
INITDB_DIR = "/docker-entrypoint-initdb.d"
DJANGO_BUILTIN_COMMANDS = {"migrate", "collectstatic", "check", "createsuperuser", "shell", "showmigrations"}
SOURCE_SUFFIXES = {".py", ".ts", ".tsx", ".js", ".mjs", ".template", ".conf", ".sh"}


# -- the checks -----------------------------------------------------------------------------------
def check_services(compose: dict[str, Any], root: Path) -> list[str]:
    missing = REQUIRED_SERVICES - set(compose.get("services", {}))
    return [f"service {name!r} is missing" for name in sorted(missing)]


def check_builds(compose: dict[str, Any], root: Path) -> list[str]:
    problems = []
    for name, service in compose["services"].items():
        build = service.get("build")
        if build is None:
            if "image" not in service:
                problems.append(f"{name}: neither build nor image")
            continue
        if isinstance(build, str):
            build = {"context": build}
        context = root / build.get("context", ".")
        dockerfile = context / build.get("dockerfile", "Dockerfile")
        if not context.is_dir():
            problems.append(f"{name}: build context {build.get('context')!r} does not exist")
        elif not dockerfile.is_file():
            problems.append(f"{name}: Dockerfile {dockerfile.relative_to(root)} does not exist")
        elif (
            build.get("target")
            and build["target"] not in parse_dockerfile(dockerfile.resolve(), context.resolve()).stage_names
        ):
            problems.append(f"{name}: {dockerfile.relative_to(root)} has no stage {build['target']!r}")
    return problems


def check_ports(compose: dict[str, Any], root: Path) -> list[str]:
    problems = []
    published: dict[int, str] = {}
    for name, service in compose["services"].items():
        mappings = port_mappings(service)
        for host, container in mappings:
            if host is not None and host in published:
                problems.append(f"{name}: host port {host} is already published by {published[host]}")
            if host is not None:
                published[host] = name
            if container not in container_ports(name, {**service, "ports": []}, root):
                problems.append(f"{name}: container port {container} is not one the image listens on")
        if name in DESIGN_PORTS:
            hosts = [host for host, _ in mappings]
            if hosts != [DESIGN_PORTS[name]]:
                problems.append(f"{name}: publishes {hosts}, DESIGN.md says [{DESIGN_PORTS[name]}]")
    return problems


def _is_test_file(path: Path) -> bool:
    return (
        "tests" in path.parts
        or "e2e" in path.parts
        or path.name.startswith("test_")
        or path.name == "conftest.py"
        or ".test." in path.name
        or ".spec." in path.name
    )


@cache
def _image_sources(dockerfile: Dockerfile) -> tuple[tuple[str, str], ...]:
    """(suffix, text) of every source file the image copies from its context, tests excluded."""
    ignore = DockerIgnore.for_context(dockerfile.context)
    ignore.rules.extend(DockerIgnore.parse("**/node_modules\n**/dist").rules)
    texts = []
    for _, source in dockerfile.copy_sources:
        for path in context_files(dockerfile.context, source, ignore):
            if path.suffix in SOURCE_SUFFIXES and not _is_test_file(path):
                texts.append((path.suffix, path.read_text(errors="replace")))
    # The Dockerfile's own `${NAME}` expansions (PORT in CMD) read the environment too.
    expansions = " ".join(re.findall(r"\$\{(\w+)", dockerfile.text))
    texts.append((".sh", expansions))
    return tuple(texts)


def reads_variable(name: str, sources: tuple[tuple[str, str], ...]) -> bool:
    """Does any source read environment variable ``name``?

    Exact name anywhere (``os.environ["X"]``, ``alias="X"``, ``import.meta.env.X``, ``${X}``); a
    pydantic-settings field of the same name in lower case (case-insensitive settings); or an
    f-string prefix such as ``f"WEBHOOK_SECRETS_{sender}"``.
    """
    exact = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])")
    field = re.compile(rf"^\s*{re.escape(name.lower())}\s*:", re.M)
    for suffix, text in sources:
        if exact.search(text) or (suffix == ".py" and field.search(text)):
            return True
        if suffix == ".py":
            prefixes = re.findall(r"""f["']([A-Z][A-Z0-9_]*_)\{""", text)
            if any(name.startswith(prefix) for prefix in prefixes):
                return True
    return False


def check_environment(compose: dict[str, Any], root: Path) -> list[str]:
    problems = []
    for name, service in compose["services"].items():
        built = image(service, root)
        if built is None:
            continue  # third-party images document their own variables
        sources = _image_sources(built.dockerfile)
        variables = [("environment", v) for v in environment(service)]
        variables += [("build arg", v) for v in build_args(service)]
        for kind, variable in variables:
            if not reads_variable(variable, sources):
                problems.append(f"{name}: {kind} {variable} is read nowhere in the image's sources")
    return problems


def _urls(service: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key, value in {**environment(service), **build_args(service)}.items():
        for url in re.findall(r"\b(?:https?|redis|postgres(?:ql)?)://[^\s,]+", value):
            yield key, url


def check_urls(compose: dict[str, Any], root: Path) -> list[str]:
    """Every URL points at a compose service and a port it listens on (or, for the browser, publishes)."""
    problems = []
    services = compose["services"]
    published = {host for s in services.values() for host, _ in port_mappings(s) if host is not None}
    for name, service in services.items():
        for key, url in _urls(service):
            parts = urlsplit(url)
            host, port = parts.hostname or "", parts.port
            if port is None:
                problems.append(f"{name}: {key}={url} has no explicit port")
            elif host in {"localhost", "127.0.0.1"}:
                if port not in published:
                    problems.append(f"{name}: {key}={url} uses host port {port}, which nothing publishes")
            elif host not in services:
                problems.append(f"{name}: {key}={url} names {host!r}, which is not a compose service")
            elif port not in container_ports(host, services[host], root):
                problems.append(f"{name}: {key}={url}: {host} does not listen on {port}")
    return problems


def _init_databases(compose: dict[str, Any], root: Path) -> set[str]:
    created: set[str] = set()
    for source, target in volume_mounts(compose["services"].get("postgres", {})):
        path = root / source
        if target.startswith(INITDB_DIR) and path.is_file():
            created |= set(re.findall(r"CREATE DATABASE\s+(\w+)", path.read_text(), re.I))
    return created


def check_databases(compose: dict[str, Any], root: Path) -> list[str]:
    problems = []
    created = _init_databases(compose, root)
    services = compose["services"]
    expected_by_dockerfile = {}
    for name, database in DESIGN_DATABASES.items():
        built = image(services.get(name, {}), root)
        if built is not None:
            expected_by_dockerfile[built.dockerfile.path] = database
    for name, service in services.items():
        url = environment(service).get("DATABASE_URL")
        if not url:
            continue
        database = urlsplit(url).path.lstrip("/")
        if database not in created:
            problems.append(f"{name}: database {database!r} is not created by the postgres init scripts")
        built = image(service, root)
        expected = expected_by_dockerfile.get(built.dockerfile.path) if built else None
        if expected and database != expected:
            problems.append(f"{name}: uses database {database!r}, its service owns {expected!r}")
    return problems


def check_depends_on(compose: dict[str, Any], root: Path) -> list[str]:
    problems = []
    services = compose["services"]
    for name, service in services.items():
        for target, condition in depends_on(service).items():
            if target not in services:
                problems.append(f"{name}: depends on {target!r}, which does not exist")
            elif condition == "service_healthy" and not _has_healthcheck(services[target]):
                problems.append(f"{name}: waits for {target} to be healthy, but {target} has no healthcheck")
            elif condition == "service_completed_successfully" and services[target].get("restart") not in (
                None,
                "no",
            ):
                problems.append(f"{name}: waits for {target} to finish, but {target} restarts")
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in done or node not in services:
            return
        if node in visiting:
            problems.append(f"depends_on cycle: {' -> '.join([*path, node])}")
            return
        visiting.add(node)
        for target in depends_on(services[node]):
            visit(target, [*path, node])
        visiting.discard(node)
        done.add(node)

    for name in services:
        visit(name, [])
    return problems


def _has_healthcheck(service: dict[str, Any]) -> bool:
    check = service.get("healthcheck") or {}
    if not check.get("test") or check.get("disable"):
        return False
    return command_argv(check["test"])[:1] != ["NONE"]


def check_healthchecks(compose: dict[str, Any], root: Path) -> list[str]:
    problems = []
    one_shot = one_shot_services(compose)
    for name, service in compose["services"].items():
        if name in one_shot:
            continue
        if not _has_healthcheck(service):
            problems.append(f"{name}: long-running service without a healthcheck")
            continue
        test = " ".join(command_argv(service["healthcheck"]["test"]))
        for url in re.findall(r"https?://[^\s'\"]+", test):
            parts = urlsplit(url)
            if parts.hostname not in {"127.0.0.1", "localhost"}:
                problems.append(f"{name}: healthcheck calls {url}, not the container itself")
            elif parts.port not in container_ports(name, service, root):
                problems.append(f"{name}: healthcheck calls port {parts.port}, the service listens elsewhere")
    return problems


def check_volumes(compose: dict[str, Any], root: Path) -> list[str]:
    problems = []
    declared = set(compose.get("volumes") or {})
    used: set[str] = set()
    media: dict[str, str] = {}
    for name, service in compose["services"].items():
        mounts = volume_mounts(service)
        for source, _ in mounts:
            if source.startswith((".", "/")):
                if not (root / source).exists():
                    problems.append(f"{name}: bind mount source {source} does not exist")
            elif source:
                used.add(source)
                if source not in declared:
                    problems.append(f"{name}: volume {source!r} is not declared under volumes:")
        named_targets = {t: s for s, t in mounts if s and not s.startswith((".", "/"))}
        if name in DATA_PATHS and DATA_PATHS[name] not in named_targets:
            problems.append(f"{name}: no named volume at its data directory {DATA_PATHS[name]}")
        media_root = environment(service).get("MEDIA_ROOT")
        if media_root:
            if media_root not in named_targets:
                problems.append(f"{name}: MEDIA_ROOT {media_root} is not a named volume")
            else:
                media[name] = named_targets[media_root]
    if len(set(media.values())) > 1:
        problems.append(f"services with MEDIA_ROOT do not share one volume: {media}")
    problems += [f"volume {v!r} is declared but unused" for v in sorted(declared - used)]
    return problems


def _module_exists(module: str, roots: list[Path], main: bool = False) -> bool:
    relative = Path(*module.split("."))
    for base in roots:
        if (base / relative).with_suffix(".py").is_file():
            return True
        if (base / relative / ("__main__.py" if main else "__init__.py")).is_file():
            return True
    if any((base / relative.parts[0]).exists() for base in roots):
        return False  # one of ours: it must be in the source tree
    return importlib.util.find_spec(module) is not None  # a third-party module


def _referenced(argv: list[str]) -> Iterator[tuple[str, str]]:
    """(kind, name) of every module or manage.py command a command line starts."""
    if argv[:2] in (["sh", "-c"], ["/bin/sh", "-c"]):
        argv = shlex.split(argv[2])
    if argv[:1] == ["exec"]:
        argv = argv[1:]
    for i, word in enumerate(argv):
        following = argv[i + 1] if i + 1 < len(argv) else ""
        if word == "-m" and argv[0].startswith("python"):
            yield "main", following
        elif word in ("-A", "--app") and argv[0] == "celery":
            yield "module", following
        elif i == 1 and argv[0] in ("uvicorn", "gunicorn"):
            yield "module", word.split(":")[0]
        elif word == "manage.py":
            yield "manage", following


def check_commands(compose: dict[str, Any], root: Path) -> list[str]:
    """Every module and management command the containers start exists in the image's sources."""
    problems = []
    for name, service in compose["services"].items():
        built = image(service, root)
        if built is None:
            continue
        copied = [built.context / src for _, src in built.dockerfile.copy_sources]
        roots = [p / "src" if (p / "src").is_dir() else p for p in copied if p.is_dir()]
        commands = [service_command(service, root)]
        check = (service.get("healthcheck") or {}).get("test")
        if check:
            commands.append(command_argv(check)[1:])
        for argv in commands:
            for kind, ref in _referenced(argv):
                if kind in ("main", "module") and not _module_exists(ref, roots, main=kind == "main"):
                    problems.append(f"{name}: runs module {ref!r}, which is not in the image")
                elif (
                    kind == "manage"
                    and ref not in DJANGO_BUILTIN_COMMANDS
                    and not any(any(p.glob(f"*/management/commands/{ref}.py")) for p in roots)
                ):
                    problems.append(f"{name}: runs `manage.py {ref}`, which no app defines")
    return problems


ALL_CHECKS = (
    check_services,
    check_builds,
    check_ports,
    check_environment,
    check_urls,
    check_databases,
    check_depends_on,
    check_healthchecks,
    check_volumes,
    check_commands,
)


def check_all(compose: dict[str, Any], root: Path) -> list[str]:
    return [problem for check in ALL_CHECKS for problem in check(compose, root)]
