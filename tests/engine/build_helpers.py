"""Fixtures for the build engine tests: small real projects built with real zig.

Every zig call shares one cache (``PLUGSMITH_TEST_ZIG_CACHE``), warm in CI for the default
targets, so a compile costs ~50 ms and a link ~100 ms.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"
ZIG_CACHE = Path(os.environ.get("PLUGSMITH_TEST_ZIG_CACHE", os.path.expanduser("~/.cache/plugsmith/zig")))

#: One target per format, all warm in the shared cache.
THREE = ("linux-x86_64", "macos-aarch64", "windows-x86_64")

HEADERS = {
    "include/common.h": "#ifndef COMMON_H\n#define COMMON_H\n#define SCALE 3\nint helper(int x);\n#endif\n",
    "include/a.h": "#ifndef A_H\n#define A_H\n#define A_OFFSET 10\n#endif\n",
}
SOURCES = {
    "src/a.c": '#include "common.h"\n#include "a.h"\nint demo_a(int x) { return helper(x) + A_OFFSET; }\n',
    "src/b.c": '#include "common.h"\nint demo_b(int x) { return helper(x) * SCALE; }\n',
    "src/helper.c": '#include "common.h"\nint helper(int x) { return x + 1; }\n',
}
CONTRACT = "version 1\n[DEMO_1.0]\ndemo_a function\ndemo_b function\n"


def zig_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(PLUGSMITH_ZIG_CACHE=str(ZIG_CACHE), ZIG_GLOBAL_CACHE_DIR=str(ZIG_CACHE),
               ZIG_LOCAL_CACHE_DIR=str(ZIG_CACHE), PYTHONPATH=str(SRC))
    env.pop("PLUGSMITH_CFLAGS", None)
    env.pop("PLUGSMITH_LDFLAGS", None)
    return env


@dataclass
class Project:
    root: Path
    targets: tuple[str, ...]
    extra_yaml: str = ""
    sources: dict[str, str] = field(default_factory=lambda: dict(SOURCES))

    @property
    def config(self) -> Path:
        return self.root / "build_matrix.yaml"

    @property
    def dist(self) -> Path:
        return self.root / "dist"

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def write_config(self, sources: Sequence[str] | None = None, cflags: Sequence[str] = ("-Wall",)) -> None:
        names = ", ".join(sources if sources is not None else sorted(self.sources))
        targets = "\n".join(f"  - {t}" for t in self.targets)
        self.write("build_matrix.yaml", f"version: 1\nproject: demo\nplugins:\n  - name: demo\n"
                   f"    sources: [{names}]\n    include_dirs: [include]\n    contract: demo.symbols\n"
                   f"targets:\n{targets}\ndefaults:\n  cflags: [{', '.join(cflags)}]\n{self.extra_yaml}")


def make_project(root: Path, targets: Sequence[str] = THREE, *, sources: dict[str, str] | None = None) -> Project:
    project = Project(root=root, targets=tuple(targets))
    if sources is not None:
        project.sources = sources
    for rel, text in {**HEADERS, **project.sources}.items():
        project.write(rel, text)
    project.write("demo.symbols", CONTRACT)
    project.write_config()
    return project


@dataclass
class Run:
    """One build through the Python API, with every event it reported."""

    result: object
    events: list[tuple[str, str, str]]

    @property
    def commands(self) -> list[str]:
        return [msg for kind, _, msg in self.events if kind == "command"]

    def compiled(self) -> list[tuple[str, str]]:
        """(job id, source file name) for each compile that ran."""
        out = []
        for kind, job, msg in self.events:
            if kind == "command" and " -c " in msg:
                source = msg.split(" -c ", 1)[1].split(" ", 1)[0]
                out.append((job, Path(source).name))
        return sorted(out)

    def linked(self) -> list[str]:
        return sorted(job for kind, job, msg in self.events if kind == "command" and " -shared " in msg)


def build_api(project: Project, *, force: bool = False, keep_going: bool = False,
              extra_cflags: Sequence[str] = (), jobs: int = 2) -> Run:
    from plugsmith import matrix, plan
    from plugsmith.engine import build

    events: list[tuple[str, str, str]] = []

    def on_event(kind: str, job: object, message: str) -> None:
        events.append((kind, job.id, message))  # type: ignore[attr-defined]

    resolved = plan.resolve(matrix.load(project.config), env={}, extra_cflags=extra_cflags)
    result = build(resolved, jobs=jobs, cache=ZIG_CACHE, on_event=on_event, force=force, keep_going=keep_going)
    return Run(result=result, events=events)


def cli(project_root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "plugsmith", *args], cwd=project_root, env=zig_env(),
                          capture_output=True, text=True, timeout=timeout, check=False)
