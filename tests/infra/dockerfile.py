"""A small Dockerfile reader: stages, their instructions, what they copy, expose, run and as whom.

Enough of the syntax for our Dockerfiles (line continuations, comments, ``ARG`` before ``FROM``,
``RUN --mount``, exec-form ``CMD``), so that the tests can check a Dockerfile against the repository
without a Docker engine. Also the ``.dockerignore`` matcher the builder applies to the context.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass, field
from fnmatch import translate
from functools import cached_property
from pathlib import Path, PurePosixPath


@dataclass
class Instruction:
    keyword: str  # upper-case: FROM, RUN, COPY, ...
    args: str  # everything after the keyword, continuation lines joined
    line: int


@dataclass
class Stage:
    index: int
    name: str | None
    base: str  # the FROM reference with build args substituted
    instructions: list[Instruction] = field(default_factory=list)

    def of(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


def _logical_lines(text: str) -> list[tuple[int, str]]:
    lines: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue  # comments inside a continued instruction are dropped by the builder
        if not buf:
            start = number
        if stripped.endswith("\\"):
            buf.append(stripped[:-1].strip())
            continue
        buf.append(stripped)
        lines.append((start, " ".join(part for part in buf if part)))
        buf = []
    if buf:
        lines.append((start, " ".join(buf)))
    return lines


class Dockerfile:
    """A parsed Dockerfile. ``path`` is the file; ``context`` the build context it is built from."""

    def __init__(self, path: Path, context: Path) -> None:
        self.path = path
        self.context = context
        self.text = path.read_text()
        self.global_args: dict[str, str] = {}
        self.stages: list[Stage] = []
        for line, logical in _logical_lines(self.text):
            keyword, _, args = logical.partition(" ")
            instruction = Instruction(keyword.upper(), args.strip(), line)
            if instruction.keyword == "FROM":
                self.stages.append(self._stage(instruction))
            elif not self.stages:
                if instruction.keyword == "ARG":
                    name, _, default = instruction.args.partition("=")
                    self.global_args[name.strip()] = default.strip().strip('"')
            else:
                self.stages[-1].instructions.append(instruction)

    def _stage(self, instruction: Instruction) -> Stage:
        words = [w for w in instruction.args.split() if not w.startswith("--platform")]
        base = re.sub(r"\$\{?(\w+)\}?", lambda m: self.global_args.get(m.group(1), m.group(0)), words[0])
        name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
        return Stage(len(self.stages), name, base, [])

    # -- stages -----------------------------------------------------------------------------------
    def stage(self, target: str | None) -> Stage:
        """The stage a build with ``--target target`` produces (the last one without a target)."""
        if target is None:
            return self.stages[-1]
        for stage in self.stages:
            if stage.name == target:
                return stage
        raise KeyError(f"{self.path}: no stage named {target!r}")

    @property
    def stage_names(self) -> set[str]:
        return {s.name for s in self.stages if s.name}

    def lineage(self, stage: Stage) -> list[Stage]:
        """``stage`` and the stages it is built FROM, nearest first."""
        chain = [stage]
        while chain[-1].base in self.stage_names:
            chain.append(self.stage(chain[-1].base))
        return chain

    def root_image(self, stage: Stage) -> str:
        """The external image at the bottom of ``stage``'s lineage."""
        return self.lineage(stage)[-1].base

    def inherited(self, stage: Stage, keyword: str) -> Instruction | None:
        """The last ``keyword`` instruction in effect in ``stage`` (USER, CMD, WORKDIR...)."""
        for s in self.lineage(stage):
            found = s.of(keyword)
            if found:
                return found[-1]
        return None

    def exposed_ports(self, stage: Stage) -> set[int]:
        ports: set[int] = set()
        for s in self.lineage(stage):
            for instruction in s.of("EXPOSE"):
                ports.update(int(p.split("/")[0]) for p in instruction.args.split())
        return ports

    def cmd(self, stage: Stage) -> list[str] | None:
        """The stage's CMD as an argv (exec form parsed as JSON, shell form as ``sh -c``)."""
        instruction = self.inherited(stage, "CMD")
        if instruction is None:
            return None
        if instruction.args.startswith("["):
            return [str(a) for a in json.loads(instruction.args)]
        return ["/bin/sh", "-c", instruction.args]

    # -- what the build reads from the context ----------------------------------------------------
    @cached_property
    def copy_sources(self) -> list[tuple[Instruction, str]]:
        """Every (COPY/ADD instruction, source path) taken from the build context."""
        found: list[tuple[Instruction, str]] = []
        for stage in self.stages:
            for instruction in stage.of("COPY") + stage.of("ADD"):
                words = shlex.split(instruction.args)
                if any(w.startswith("--from") for w in words):
                    continue
                paths = [w for w in words if not w.startswith("--")]
                found.extend((instruction, src) for src in paths[:-1])
        return found

    @cached_property
    def bind_mounts(self) -> list[tuple[Instruction, str, str]]:
        """Every (RUN instruction, source, target) of ``--mount=type=bind`` from the context."""
        found = []
        for stage in self.stages:
            for instruction in stage.of("RUN"):
                for mount in run_mounts(instruction.args):
                    if mount.get("type") == "bind" and "from" not in mount:
                        found.append((instruction, mount.get("source", "."), mount["target"]))
        return found


def run_mounts(args: str) -> list[dict[str, str]]:
    """The ``--mount=`` options of a RUN instruction, each as a dict."""
    mounts = []
    for word in shlex.split(args):
        if word.startswith("--mount="):
            options = {}
            for part in word[len("--mount=") :].split(","):
                key, _, value = part.partition("=")
                options[key] = value or "true"
            mounts.append(options)
    return mounts


def run_command(args: str) -> str:
    """The shell command of a RUN instruction, without its leading ``--mount``/``--network`` flags."""
    rest = args
    while rest.startswith("--"):
        _, _, rest = rest.partition(" ")
        rest = rest.lstrip()
    return rest


# -- .dockerignore ----------------------------------------------------------------------------------
def _glob_regex(piece: str) -> str:
    # fnmatch's `*` crosses `/`; Go's filepath.Match (what Docker uses) does not.
    return translate(piece).removeprefix("(?s:").removesuffix(")\\Z").replace(".*", "[^/]*")


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    # `**/` is any number of directories (zero included), any other `**` anything at all.
    regex = "(?:.*/)?".join(
        ".*".join(_glob_regex(piece) for piece in chunk.split("**")) for chunk in pattern.split("**/")
    )
    return re.compile(regex + r"\Z", re.S)


@dataclass
class DockerIgnore:
    rules: list[tuple[bool, re.Pattern[str], str]]  # (negated, regex, original)

    @classmethod
    def for_context(cls, context: Path) -> DockerIgnore:
        path = context / ".dockerignore"
        return cls.parse(path.read_text() if path.exists() else "")

    @classmethod
    def parse(cls, text: str) -> DockerIgnore:
        rules = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            pattern = str(PurePosixPath(line.lstrip("!").strip().lstrip("/")))
            rules.append((negated, _pattern_regex(pattern), line))
        return cls(rules)

    def _matches(self, path: str) -> bool:
        excluded = False
        for negated, regex, _ in self.rules:
            if regex.match(path):
                excluded = not negated
        return excluded

    def excludes(self, path: str) -> bool:
        """True when ``path`` (relative to the context) or a directory above it is ignored."""
        parts = PurePosixPath(path).parts
        return any(self._matches("/".join(parts[: i + 1])) for i in range(len(parts)))


def context_files(context: Path, source: str, ignore: DockerIgnore) -> list[Path]:
    """The files a ``COPY source`` sends from ``context``, after ``.dockerignore``."""
    base = (context / source).resolve()
    if base.is_file():
        return [] if ignore.excludes(source) else [base]
    files = []
    top = context.resolve()
    for directory, subdirs, names in os.walk(base):
        here = Path(directory)
        # Prune ignored directories (node_modules, .venv) instead of walking them.
        subdirs[:] = sorted(d for d in subdirs if not ignore.excludes((here / d).relative_to(top).as_posix()))
        for name in sorted(names):
            if not ignore.excludes((here / name).relative_to(top).as_posix()):
                files.append(here / name)
    return files
