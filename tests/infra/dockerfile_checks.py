"""Our Dockerfiles checked against the workspace (STYLE.md habit 11), without a Docker engine.

Each ``check_*`` function takes a parsed Dockerfile and returns a list of problems (empty = fine), so
that a test can feed it a copy broken on purpose.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.infra.dockerfile import Dockerfile, DockerIgnore, Instruction, Stage, run_command, run_mounts
from tests.infra.workspace import Member, closure

UV_IMAGE = re.compile(r"--from=ghcr\.io/astral-sh/uv(?::(\d+\.\d+\.\d+)|@sha256:[0-9a-f]{64})\b")


def check_context_paths(dockerfile: Dockerfile) -> list[str]:
    """Every path read from the build context exists there and survives .dockerignore."""
    problems = []
    ignore = DockerIgnore.for_context(dockerfile.context)
    sources = [(i, s) for i, s in dockerfile.copy_sources] + [(i, s) for i, s, _ in dockerfile.bind_mounts]
    for instruction, source in sources:
        if not (dockerfile.context / source).exists():
            problems.append(f"line {instruction.line}: {source} does not exist in the build context")
        elif ignore.excludes(source):
            problems.append(f"line {instruction.line}: {source} is excluded by .dockerignore")
    return problems


def _uv_syncs(stage: Stage) -> list[Instruction]:
    return [i for i in stage.of("RUN") if re.search(r"\buv sync\b", run_command(i.args))]


def _flags(instruction: Instruction) -> list[str]:
    return shlex.split(run_command(instruction.args))


def _package(instruction: Instruction) -> str | None:
    words = _flags(instruction)
    return words[words.index("--package") + 1] if "--package" in words[:-1] else None


def _runtime_stages(dockerfile: Dockerfile, builder: Stage) -> list[Stage]:
    return [s for s in dockerfile.stages if s is not builder]


def check_python_dockerfile(dockerfile: Dockerfile, members: dict[str, Member]) -> list[str]:
    """Builder stage: pinned uv, two-step frozen sync of one member; runtime: same base, non-root, PORT."""
    problems = []
    if not any(UV_IMAGE.search(i.args) for s in dockerfile.stages for i in s.of("COPY")):
        problems.append("uv is not copied from ghcr.io/astral-sh/uv at a pinned version")
    builder = next((s for s in dockerfile.stages if _uv_syncs(s)), None)
    if builder is None:
        return [*problems, "no stage runs `uv sync`"]
    syncs = _uv_syncs(builder)
    if len(syncs) != 2:
        return [*problems, f"expected two `uv sync` steps (dependencies, then our code), found {len(syncs)}"]
    deps_step, code_step = syncs
    for step in syncs:
        missing = {"--frozen", "--no-dev", "--no-editable"} - set(_flags(step))
        if missing:
            problems.append(f"line {step.line}: uv sync without {', '.join(sorted(missing))}")
    if "--no-install-workspace" not in _flags(deps_step):
        problems.append(f"line {deps_step.line}: the first uv sync needs --no-install-workspace")
    if "--no-install-workspace" in _flags(code_step):
        problems.append(f"line {code_step.line}: the second uv sync must install our code")
    package = _package(deps_step)
    if package is None or package != _package(code_step):
        return [*problems, "both uv sync steps must name the same --package"]
    if package not in members:
        return [*problems, f"--package {package} is not a workspace member"]
    if not any(m.get("type") == "cache" for m in run_mounts(deps_step.args)):
        problems.append(f"line {deps_step.line}: the dependency step does not use a uv cache mount")

    needed = {members[name].path for name in closure(package, members)}
    mounted = {source for instruction, source, _ in dockerfile.bind_mounts if instruction is deps_step}
    copied_before_code = {
        source.rstrip("/")
        for i in builder.of("COPY")
        if i.line < code_step.line and "--from" not in i.args
        for source in shlex.split(i.args)[:-1]
    }
    for required in ("uv.lock", "pyproject.toml"):
        if required not in mounted:
            problems.append(f"the dependency step does not bind-mount {required}")
        if required not in copied_before_code:
            problems.append(f"{required} is not copied before the second uv sync")
    for path in sorted(needed):
        if f"{path}/pyproject.toml" not in mounted:
            problems.append(f"the dependency step does not bind-mount {path}/pyproject.toml")
        if path not in copied_before_code:
            problems.append(f"{path} (needed by {package}) is not copied before the second uv sync")
    member_paths = {m.path for m in members.values()}
    for path in sorted((copied_before_code & member_paths) - needed):
        problems.append(f"{path} is copied but {package} does not need it")
    code_copies = [i for i in builder.of("COPY") if any(p in i.args.split() for p in needed)]
    if any(i.line < deps_step.line for i in code_copies):
        problems.append("member sources are copied before the dependency step (its cache would never hit)")

    for stage in _runtime_stages(dockerfile, builder):
        problems += _check_runtime_stage(dockerfile, builder, stage)
    return problems


def _check_runtime_stage(dockerfile: Dockerfile, builder: Stage, stage: Stage) -> list[str]:
    problems = []
    label = stage.name or f"stage {stage.index}"
    if dockerfile.root_image(stage) != builder.base:
        problems.append(f"{label}: FROM {dockerfile.root_image(stage)}, the venv was built on {builder.base}")
    user = dockerfile.inherited(stage, "USER")
    uid = user.args.split(":")[0] if user else "0"
    if not uid.isdigit() or int(uid) == 0:
        problems.append(f"{label}: runs as {uid!r}; want a numeric non-root USER")
    cmd = dockerfile.cmd(stage)
    if cmd is None:
        if stage.name in dockerfile.stage_names and any(s.base == stage.name for s in dockerfile.stages):
            return problems  # a base for other stages: they carry the CMD
        return [*problems, f"{label}: no CMD"]
    for port in sorted(dockerfile.exposed_ports(stage)):
        if f"${{PORT:-{port}}}" not in " ".join(cmd):
            problems.append(f"{label}: CMD does not listen on ${{PORT:-{port}}} (Cloud Run sets PORT)")
    if cmd[:2] in (["sh", "-c"], ["/bin/sh", "-c"]) and not cmd[2].startswith("exec "):
        problems.append(f"{label}: `sh -c` without `exec`: the server would not receive SIGTERM")
    return problems


def python_dockerfiles(root: Path) -> list[Path]:
    """Our Dockerfiles that build a uv workspace member."""
    return [p for p in dockerfiles(root) if "uv sync" in p.read_text()]


def dockerfiles(root: Path) -> list[Path]:
    skip = {"node_modules", ".venv", ".git"}
    return sorted(p for p in root.rglob("Dockerfile") if not skip & set(p.relative_to(root).parts))
