"""Shared fixtures: one zig cache for the whole suite, a copy of the example project, the CLI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from plugsmith.cli import main

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_FILES = ("build_matrix.yaml", "symbols", "plugins")


def zig_cache() -> Path:
    return Path(os.environ.get("PLUGSMITH_TEST_ZIG_CACHE") or Path.home() / ".cache" / "plugsmith" / "zig")


def pytest_configure(config: pytest.Config) -> None:
    # Every zig call of the suite, in-process or in a subprocess, shares one cache.
    cache = str(zig_cache())
    os.environ["PLUGSMITH_TEST_ZIG_CACHE"] = cache
    os.environ["PLUGSMITH_ZIG_CACHE"] = cache
    os.environ["ZIG_GLOBAL_CACHE_DIR"] = cache
    os.environ["ZIG_LOCAL_CACHE_DIR"] = cache
    os.environ.setdefault("NO_COLOR", "1")


#: Session fixtures that build several targets with zig (minutes cold) or prepare wine/qemu runs:
#: every test using one is marked slow, so ``-m "not slow"`` (the fast lane) never waits for them.
MULTI_TARGET_FIXTURES = frozenset({
    "greet_dist", "extras", "fat_greet", "mixed", "runners",  # tests/release: the example's six targets
    "demo_release", "releases",  # tests/contract: the demo plugin on four targets, per release
    "plugin_artifacts",  # tests/integration: nine zig builds
    "built", "load_work",  # the example built for several targets (integration, runtime, build/test_targets)
    "packed",  # tests/wheel: the example built and packed for the six default targets
    "pyext_six",  # tests/pyext: examples/python-extension built and packed for the six default targets
})
#: Whole files that are slow by nature: the real-world corpus (116 libraries read by LLVM and
#: plugsmith, wheels fetched on first use), archive bombs run through a real verify, real builds
#: under hostile conditions, and the linear-growth measurements.
SLOW_FILES = frozenset({"test_realworld_policy.py", "test_realworld_reader.py", "test_realworld_grouping.py",
                        "test_realworld_corpus.py", "test_hostile_archives.py", "test_hostile_build.py",
                        "test_hostile_scaling.py"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests on a multi-target fixture are slow; and a whole-suite run must collect every test
    file: pytest silently skips folders by name (its default norecursedirs drops any "build"
    folder, which once hid the build-engine tests)."""
    for item in items:
        if MULTI_TARGET_FIXTURES & set(getattr(item, "fixturenames", ())) or item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
    if config.args != ["tests"] and config.args != [str(REPO / "tests")]:
        return  # a chosen subset
    collected = {Path(str(item.fspath)).resolve() for item in items}
    on_disk = {p.resolve() for p in (REPO / "tests").rglob("test_*.py")}
    skipped = sorted(str(p.relative_to(REPO)) for p in on_disk - collected)
    if skipped and not config.getoption("keyword") and not config.getoption("markexpr"):
        raise pytest.UsageError(f"test files not collected: {', '.join(skipped)}")


def missing_tool(message: str) -> None:
    """The one gate for tests that need a tool plugsmith does not ship (llvm, cmake, qemu, wine,
    gcc cross compilers, chromium): whenever ``CI`` is set (any value) the test fails, so a
    missing package in .ci/run can never pass as a skip; elsewhere it skips with the reason."""
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set: a required tool is missing; .ci/run must install it)")
    pytest.skip(message)


def require_tool(*names: str, package: str) -> str:
    """The path of the first of ``names`` found on PATH; otherwise :func:`missing_tool` naming the
    Debian ``package`` that provides it."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    missing_tool(f"{' or '.join(names)} not found on PATH (apt-get install {package})")
    raise AssertionError("unreachable")


def llvm_tool(name: str) -> str:
    """An LLVM tool (``llvm-nm``, ``llvm-objdump``, ...), plain or with a Debian version suffix."""
    return require_tool(name, *(f"{name}-{v}" for v in range(21, 12, -1)), package="llvm")


def run_tool(argv: list[str]) -> str:
    """stdout of an external tool; a non-zero exit fails the test with its stderr."""
    res = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
    if res.returncode != 0:
        pytest.fail(f"{' '.join(argv)} exited {res.returncode}: {res.stderr.strip()}")
    return res.stdout


#: What zig's Mach-O linker adds to every dylib, as LLVM's export trie shows it (hard-coded here,
#: not read from plugsmith's own table, so the oracle does not share plugsmith's view).
MACHO_LINKER_NAMES = frozenset({"_mh_dylib_header", "__dso_handle"})

_NM_DEFINED = re.compile(r"^[0-9a-fA-F]*\s+[A-Za-z]\s+(\S+)$")
_TRIE_ENTRY = re.compile(r"^0x[0-9A-Fa-f]+\s+(\S+)")
_COFF_EXPORT = re.compile(r"Ordinal: (\d+)\s+Name: (\S*)\s+RVA: (0x[0-9A-Fa-f]+)")
_MACHO_MAGICS = (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe")


def llvm_exports(path: Path) -> frozenset[str]:
    """The names ``path`` exports according to LLVM, the oracle that plugsmith's own reader (lief)
    is judged against: ELF ``llvm-nm -D --defined-only`` without the ``@VERSION`` suffix; Mach-O the
    export trie of ``llvm-objdump --macho --exports-trie`` with one leading underscore stripped
    (a fat file gives the union of its slices); PE ``llvm-readobj --coff-exports``, a NONAME export
    as ``#<ordinal>`` (plugsmith's spelling) and ordinal gaps (RVA 0, no name) left out."""
    magic = path.read_bytes()[:4]
    if magic == b"\x7fELF":
        out = run_tool([llvm_tool("llvm-nm"), "-D", "--defined-only", str(path)])
        return frozenset(m[1].split("@", 1)[0] for m in map(_NM_DEFINED.match, out.splitlines()) if m)
    if magic in _MACHO_MAGICS:
        out = run_tool([llvm_tool("llvm-objdump"), "--macho", "--exports-trie", "--arch=all", str(path)])
        return frozenset(m[1].removeprefix("_") for m in map(_TRIE_ENTRY.match, out.splitlines()) if m)
    if magic[:2] == b"MZ":
        out = run_tool([llvm_tool("llvm-readobj"), "--coff-exports", str(path)])
        return frozenset(name or f"#{ordinal}" for ordinal, name, rva in _COFF_EXPORT.findall(out)
                         if name or rva != "0x0")
    raise AssertionError(f"{path}: not an ELF, Mach-O or PE file (magic {magic!r})")


def write_wheel(dest: Path, members: Mapping[str, bytes | Path], *, dist: str = "") -> Path:
    """A wheel at ``dest`` holding ``members`` (name -> bytes or a file to copy) with a RECORD that
    matches them, as every real wheel has (``verify`` checks it); ``dist`` names the
    ``<dist>.dist-info`` folder (default: the wheel name's first two parts)."""
    from plugsmith.wheel.record import record_line, render

    info = f"{dist or '-'.join(dest.name.split('-')[:2])}.dist-info"
    data = {name: value.read_bytes() if isinstance(value, Path) else value for name, value in members.items()}
    data.setdefault(f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: false\n")
    rows = [record_line(name, content) for name, content in data.items()] + [[f"{info}/RECORD", "", ""]]
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in data.items():
            zf.writestr(name, content)
        zf.writestr(f"{info}/RECORD", render(rows))
    return dest


def tar_file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    """A regular tar member (for hand-made archives in tests)."""
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def tar_link(name: str, target: str, kind: bytes) -> tuple[tarfile.TarInfo, None]:
    """A symbolic (``tarfile.SYMTYPE``) or hard (``LNKTYPE``) link member."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


def copy_example(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in EXAMPLE_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        else:
            shutil.copy2(src, dest / name)
    return dest


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of the bundled example project."""
    return copy_example(tmp_path / "example")


@dataclass
class CliResult:
    code: int
    out: str
    err: str


Cli = Callable[..., CliResult]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """Run ``plugsmith ARGS`` in-process from a folder; returns exit code, stdout, stderr."""

    def run(*args: str, cwd: Path | None = None) -> CliResult:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    yield run


def tree(path: Path) -> list[str]:
    """Every file under ``path`` (relative), to prove a failed command wrote nothing."""
    if not path.exists():
        return []
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())
