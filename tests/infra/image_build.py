"""Replay a Dockerfile's build stage on this machine, without Docker, and run its image's commands.

A directory stands for the image's filesystem root. The builder stage's WORKDIR, ENV, COPY (from the
context, after .dockerignore) and RUN (with its bind mounts, and nothing else from the context) are
replayed in it, with uv offline against the local cache. The runtime stages are not replayed (they
create a user and copy from the builder); instead their ``COPY --from=builder`` sources must exist, and
their CMD runs with the runtime stage's environment, PATH mapped into the emulated filesystem.
"""

from __future__ import annotations

import os
import posixpath
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.infra.dockerfile import Dockerfile, DockerIgnore, Stage, context_files, run_command, run_mounts

#: Outer variables that would point uv or Python at the development venv instead of the image's.
_LEAKY = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "PYTHONHOME", "DJANGO_SETTINGS_MODULE")


class BuildError(AssertionError):
    pass


@dataclass
class EmulatedImage:
    dockerfile: Dockerfile
    fs: Path  # stands for the image's /
    builder: Stage

    def path(self, container_path: str) -> Path:
        return self.fs / container_path.lstrip("/")

    def stage_env(self, stage: Stage) -> dict[str, str]:
        """The ENV in effect in ``stage`` (its lineage), container paths mapped into ``fs``."""
        env: dict[str, str] = {}
        for s in reversed(self.dockerfile.lineage(stage)):
            for instruction in s.of("ENV"):
                env.update(_parse_env(instruction.args, env, self))
        return env

    def workdir(self, stage: Stage) -> Path:
        current = "/"
        for s in reversed(self.dockerfile.lineage(stage)):
            for instruction in s.of("WORKDIR"):
                current = posixpath.join(current, instruction.args)
        return self.path(current)

    def process_env(self, stage: Stage, extra: dict[str, str]) -> dict[str, str]:
        """A clean environment: the image's ENV and ``extra``, nothing else of this machine's but PATH."""
        env = {"PATH": host_path(), "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}  # noqa: S108
        env.update(self.stage_env(stage))
        env.update(extra)
        return env

    def prune_to_runtime(self) -> None:
        """Delete what only the builder had, so that the runtime stages see what their COPYs bring."""
        keep = {
            self.path(next(w for w in shlex.split(i.args) if not w.startswith("--")).rstrip("/"))
            for s in self.dockerfile.stages
            for i in s.of("COPY")
            if f"--from={self.builder.name}" in i.args
        }
        parents = {p for k in keep for p in k.parents}

        def prune(directory: Path) -> None:
            for child in directory.iterdir():
                if child in parents:
                    prune(child)
                elif child not in keep:
                    shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()

        prune(self.fs)


def host_path() -> str:
    """This machine's PATH without the development venv, which must not stand in for the image's."""
    venv = os.environ.get("VIRTUAL_ENV")
    elements = os.environ.get("PATH", "").split(":")
    return ":".join(e for e in elements if not (venv and e.startswith(venv)))


def _map_path_list(value: str, image: EmulatedImage) -> str:
    # PATH-like values: an element that exists in the emulated image is the image's, others the host's.
    elements = value.split(":")
    mapped = [str(image.path(e)) if e.startswith("/") and image.path(e).exists() else e for e in elements]
    return ":".join(mapped)


def _parse_env(args: str, current: dict[str, str], image: EmulatedImage) -> dict[str, str]:
    parsed = {}
    host = {**os.environ, "PATH": host_path()}
    for word in shlex.split(args):
        key, _, value = word.partition("=")
        value = re.sub(r"\$\{?(\w+)\}?", lambda m: current.get(m.group(1), host.get(m.group(1), "")), value)
        parsed[key] = _map_path_list(value, image)
    return parsed


def _copy(context: Path, source: str, destination: Path, ignore: DockerIgnore, into_dir: bool) -> None:
    base = context / source
    if base.is_file():
        target = destination / base.name if into_dir else destination
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(base, target)
        return
    for path in context_files(context, source, ignore):
        target = destination / path.relative_to(base.resolve())
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def build(dockerfile: Dockerfile, fs: Path, stage_name: str = "builder") -> EmulatedImage:
    """Replay ``stage_name`` of ``dockerfile`` into ``fs``; raise BuildError on a failing step."""
    stage = dockerfile.stage(stage_name)
    image = EmulatedImage(dockerfile, fs, stage)
    ignore = DockerIgnore.for_context(dockerfile.context)
    workdir = "/"
    env: dict[str, str] = {}
    for instruction in stage.instructions:
        where = image.path(workdir)
        if instruction.keyword == "WORKDIR":
            workdir = posixpath.join(workdir, instruction.args)
            image.path(workdir).mkdir(parents=True, exist_ok=True)
        elif instruction.keyword == "ENV":
            env.update(_parse_env(instruction.args, env, image))
        elif instruction.keyword == "COPY":
            words = shlex.split(instruction.args)
            if any(w.startswith("--from") for w in words):
                continue  # the uv binaries: this machine's uv stands in for them
            *sources, destination = [w for w in words if not w.startswith("--")]
            into_dir = destination.endswith("/") or len(sources) > 1
            for source in sources:
                _copy(dockerfile.context, source, where / destination, ignore, into_dir)
        elif instruction.keyword == "RUN":
            _run(image, instruction.args, where, env, ignore)
        elif instruction.keyword not in ("ARG", "LABEL"):
            raise BuildError(f"line {instruction.line}: the emulator cannot replay {instruction.keyword}")
    return image


def _run(image: EmulatedImage, args: str, where: Path, env: dict[str, str], ignore: DockerIgnore) -> None:
    mounted = []
    for mount in run_mounts(args):
        if mount.get("type") != "bind":
            continue  # cache mounts only speed things up; the local uv cache plays their part
        source = mount.get("source", ".")
        target = where / mount["target"]
        if ignore.excludes(source) or not (image.dockerfile.context / source).exists():
            raise BuildError(f"bind mount source {source} is not in the build context")
        if target.exists():
            raise BuildError(f"bind mount target {mount['target']} would hide an existing path")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(image.dockerfile.context / source, target)
        mounted.append(target)
    process_env = {k: v for k, v in os.environ.items() if k not in _LEAKY}
    process_env["PATH"] = host_path()
    # Offline: everything comes from uv.lock and the local cache. No bytecode: only speed differs.
    process_env.update(env, UV_OFFLINE="1", UV_COMPILE_BYTECODE="0", UV_NO_PROGRESS="1")
    command = run_command(args)
    result = subprocess.run(
        ["/bin/sh", "-c", command], cwd=where, env=process_env, capture_output=True, text=True, check=False
    )
    for target in mounted:
        target.unlink()  # a bind mount leaves nothing behind in the layer
    if result.returncode != 0:
        raise BuildError(f"RUN {command!r} failed ({result.returncode}):\n{result.stderr[-3000:]}")


def check_runtime_copies(image: EmulatedImage) -> list[str]:
    """Every ``COPY --from=<builder>`` of the other stages finds its source in the built stage."""
    problems = []
    name = image.builder.name
    for stage in image.dockerfile.stages:
        for instruction in stage.of("COPY"):
            words = shlex.split(instruction.args)
            if f"--from={name}" not in words:
                continue
            source, destination = [w for w in words if not w.startswith("--")]
            if source.rstrip("/") != destination.rstrip("/"):
                problems.append(f"line {instruction.line}: emulation needs COPY --from paths kept identical")
            elif not image.path(source).exists():
                problems.append(f"line {instruction.line}: {source} does not exist after the build")
    return problems
