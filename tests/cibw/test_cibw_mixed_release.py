"""One release from two kinds of runner: Linux wheels as cibuildwheel jobs leave them (the plugin
linked by Debian's gcc and aarch64-linux-gnu-gcc with a hand-written version script, packed as
``plug-1.0-cp312-cp312-manylinux_2_17_<arch>.manylinux2014_<arch>.whl``) beside plugsmith's own
zig cross builds for macOS and Windows (``py3-none-<platform>``). ``plugsmith verify`` takes them
as one release: every wheel against the contract, parity across all of them, each wheel's tag
against its binary; a missing symbol or a tag that lies fails, naming the wheel."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cibw_helpers import TIMEOUT, pack, run_command
from tests.conftest import require_tool

pytestmark = pytest.mark.slow  # four zig targets, two gcc builds

DATA = Path(__file__).resolve().parents[1] / "foreign" / "data"
BUILD_TIMEOUT = 900
CIBW = {"x86_64": "plug-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "aarch64": "plug-1.0-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"}
OWN = {"macos-x86_64": "plug-1.0-py3-none-macosx_11_0_x86_64.whl",
       "macos-aarch64": "plug-1.0-py3-none-macosx_11_0_arm64.whl",
       "windows-x86_64": "plug-1.0-py3-none-win_amd64.whl", "windows-aarch64": "plug-1.0-py3-none-win_arm64.whl"}
MEMBERS = {"linux-x86_64": f"{CIBW['x86_64']}!plug/libplug.so", "linux-aarch64": f"{CIBW['aarch64']}!plug/libplug.so",
           "macos-x86_64": f"{OWN['macos-x86_64']}!plug/libplug.dylib",
           "macos-aarch64": f"{OWN['macos-aarch64']}!plug/libplug.dylib",
           "windows-x86_64": f"{OWN['windows-x86_64']}!plug/plug.dll",
           "windows-aarch64": f"{OWN['windows-aarch64']}!plug/plug.dll"}
MATRIX = """version: 1
project: plug
plugins:
  - name: plug
    language: c
    sources: [plug.c]
    contract: plug.symbols
targets:
  - {os: macos, arch: x86_64, min_os: "11.0"}
  - {os: macos, arch: aarch64, min_os: "11.0"}
  - windows-x86_64
  - windows-aarch64
"""
INIT = (b"import ctypes, pathlib\n\n\ndef load():\n"
        b"    return ctypes.CDLL(str(pathlib.Path(__file__).with_name('libplug.so')))\n")


def gcc_plugin(compiler: str, out: Path, *extra: str) -> bytes:
    done = subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", str(out), str(DATA / "plug.c"),
                           f"-Wl,--version-script={DATA / 'plug.map'}", *extra], capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


def cibw_wheel(folder: Path, arch: str, library: bytes) -> Path:
    """A Linux wheel named and laid out as a cibuildwheel job (setuptools, then auditwheel) leaves it."""
    tag = CIBW[arch].removeprefix("plug-1.0-").removesuffix(".whl")
    return pack(folder, name="plug", version="1.0", tag=tag, files={"plug/__init__.py": INIT,
                                                                     "plug/libplug.so": library})


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``gcc/`` the two cibuildwheel-like wheels and their failing twins' libraries; ``own/`` plugsmith's."""
    root = tmp_path_factory.mktemp("mixed")
    gcc = {"x86_64": require_tool("gcc", package="gcc"),
           "aarch64": require_tool("aarch64-linux-gnu-gcc", package="gcc-aarch64-linux-gnu")}
    (root / "gcc").mkdir()
    (root / "libs").mkdir()
    for arch, compiler in gcc.items():
        cibw_wheel(root / "gcc", arch, gcc_plugin(compiler, root / "libs" / f"libplug-{arch}.so"))
        gcc_plugin(compiler, root / "libs" / f"libplug-nostat-{arch}.so", "-DPLUG_WITHOUT_STAT")
    project = root / "project"
    project.mkdir()
    (project / "build_matrix.yaml").write_text(MATRIX)
    for name in ("plug.c", "plug.symbols"):
        shutil.copy(DATA / name, project / name)
    done = run_command(["plugsmith", "wheel", "--version", "1.0", "-o", str(root / "own")], cwd=project,
                       timeout=BUILD_TIMEOUT)
    assert done.returncode == 0, done.stderr
    return root


def release(parts: Path, dest: Path, replace: dict[str, Path] | None = None) -> list[str]:
    """The six wheels in one folder (as a release job downloads every runner's artifacts)."""
    dest.mkdir()
    for wheel in [*(parts / "gcc").iterdir(), *(parts / "own").iterdir()]:
        shutil.copy(wheel, dest / wheel.name)
    for name, path in (replace or {}).items():
        shutil.copy(path, dest / name)
    return sorted(p.name for p in dest.iterdir())


def verify(folder: Path, *args: str) -> tuple[int, dict[str, object], str]:
    done = run_command(["plugsmith", "verify", "--no-project", "--json", *args, *sorted(
        p.name for p in folder.iterdir())], cwd=folder)
    return done.returncode, json.loads(done.stdout), done.stderr


def by_target(report: dict[str, object]) -> dict[str, dict[str, object]]:
    targets = report["targets"]
    assert isinstance(targets, list)
    return {t["target"]: t for t in targets}


def test_mixed_wheels_verify_as_one_release(parts: Path, tmp_path: Path) -> None:
    names = release(parts, tmp_path / "r")
    assert names == sorted([*CIBW.values(), *OWN.values()])
    code, report, err = verify(tmp_path / "r", "--contract", str(DATA / "plug.symbols"))
    assert code == 0, err + json.dumps(report, indent=1)[:4000]
    found = by_target(report)
    assert {t: r["artifact"] for t, r in found.items()} == MEMBERS
    expected = ["plug_close", "plug_counter", "plug_flags", "plug_name", "plug_open", "plug_read", "plug_stat"]
    assert {t: sorted(r["exported"]) for t, r in found.items()} == dict.fromkeys(MEMBERS, expected)
    for target, result in found.items():  # every wheel's tag is judged against the binary inside it
        checks = {c["name"]: c for c in result["policy"]}
        assert checks["wheel-tag"]["passed"] is True, (target, checks["wheel-tag"])
    assert found["linux-aarch64"]["policy"] and {c["name"]: c["message"] for c in found["linux-aarch64"]["policy"]}[
        "wheel-tag"] == "aarch64 ELF consistent with manylinux_2_17_aarch64.manylinux2014_aarch64"
    assert [g["name"] for g in report["groups"]] == ["plug"]
    assert [sorted(c) for c in report["groups"][0]["comparisons"]] == [sorted(MEMBERS)]


def test_parity_alone_spans_every_runner(parts: Path, tmp_path: Path) -> None:
    release(parts, tmp_path / "r")
    code, report, err = verify(tmp_path / "r")
    assert code == 0, err
    assert report["asymmetric"] == []


def test_a_cibuildwheel_wheel_missing_a_symbol_fails_naming_it(parts: Path, tmp_path: Path) -> None:
    twin = cibw_wheel(tmp_path, "x86_64", (parts / "libs" / "libplug-nostat-x86_64.so").read_bytes())
    release(parts, tmp_path / "r", {CIBW["x86_64"]: twin})
    code, report, _ = verify(tmp_path / "r", "--contract", str(DATA / "plug.symbols"))
    assert code == 1
    found = by_target(report)
    assert [t for t, r in found.items() if r["missing"]] == ["linux-x86_64"]
    assert found["linux-x86_64"]["missing"] == ["plug_stat"]
    assert found["linux-x86_64"]["artifact"] == MEMBERS["linux-x86_64"]
    code, report, _ = verify(tmp_path / "r")  # without a contract, parity across the runners catches it
    assert code == 1
    assert [(a["symbol"], a["missing_from"]) for a in report["asymmetric"]] == [("plug_stat", ["linux-x86_64"])]


def test_a_wheel_whose_tag_disagrees_with_its_binary_fails_naming_it(parts: Path, tmp_path: Path) -> None:
    """The aarch64 library in a wheel tagged x86_64 (a release job that mixed up two runners' files)."""
    liar = cibw_wheel(tmp_path, "x86_64", (parts / "libs" / "libplug-aarch64.so").read_bytes())
    release(parts, tmp_path / "r", {CIBW["x86_64"]: liar})
    code, report, _ = verify(tmp_path / "r", "--contract", str(DATA / "plug.symbols"))
    assert code == 1
    failed = [(r["artifact"], c["message"]) for r in report["targets"] for c in r["policy"]
              if not c["passed"]]
    assert (f"{CIBW['x86_64']}!plug/libplug.so",
            "manylinux_2_17_x86_64.manylinux2014_x86_64 wheel holds an aarch64 ELF") in failed


def test_one_wheel_per_python_is_a_variant_each_checked(parts: Path, tmp_path: Path) -> None:
    """A setuptools project on cibuildwheel makes one wheel per CPython (cp311, cp312, cp313) for the
    same target: each is a variant of linux-x86_64, compared with the other platforms, never with
    each other; the cp313 one, built from another commit, misses plug_stat and is named."""
    good = (parts / "libs" / "libplug-x86_64.so").read_bytes()
    stale = (parts / "libs" / "libplug-nostat-x86_64.so").read_bytes()
    extra = {}
    for python, library in (("cp311", good), ("cp313", stale)):
        tag = f"{python}-{python}-manylinux_2_17_x86_64.manylinux2014_x86_64"
        extra[f"plug-1.0-{tag}.whl"] = pack(tmp_path, name="plug", version="1.0", tag=tag,
                                            files={"plug/__init__.py": INIT, "plug/libplug.so": library})
    release(parts, tmp_path / "r", extra)
    code, report, _ = verify(tmp_path / "r", "--contract", str(DATA / "plug.symbols"))
    assert code == 1
    found = by_target(report)
    assert sorted(found) == sorted(["linux-x86_64:cp311", "linux-x86_64:cp312", "linux-x86_64:cp313",
                                    *(t for t in MEMBERS if t != "linux-x86_64")])
    assert {t: r["missing"] for t, r in found.items() if r["missing"]} == {"linux-x86_64:cp313": ["plug_stat"]}
    assert found["linux-x86_64:cp313"]["artifact"] == (
        "plug-1.0-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl!plug/libplug.so")
    comparisons = [sorted(c) for c in report["groups"][0]["comparisons"]]
    others = [t for t in MEMBERS if t != "linux-x86_64"]
    assert comparisons == [sorted([f"linux-x86_64:{p}", *others]) for p in ("cp311", "cp312", "cp313")]


def test_a_glibc_newer_than_the_tag_fails_naming_the_wheel(parts: Path, tmp_path: Path) -> None:
    """A job that built outside the manylinux container: Debian 12's glibc 2.36 arc4random() in a
    wheel that still says manylinux_2_17."""
    extra = tmp_path / "entropy.c"
    extra.write_text("#include <stdlib.h>\nunsigned plug_entropy(void) { return arc4random(); }\n")
    library = gcc_plugin(require_tool("gcc", package="gcc"), tmp_path / "libplug.so", str(extra))
    release(parts, tmp_path / "r", {CIBW["x86_64"]: cibw_wheel(tmp_path, "x86_64", library)})
    code, report, _ = verify(tmp_path / "r", "--contract", str(DATA / "plug.symbols"))
    assert code == 1
    failed = [(r["artifact"], c["name"], c["message"]) for r in report["targets"] for c in r["policy"]
              if not c["passed"]]
    assert failed == [(MEMBERS["linux-x86_64"], "wheel-tag",
                       "manylinux_2_17_x86_64 wheel needs GLIBC_2.36 (libc.so.6), beyond "
                       "manylinux_2_17's GLIBC_2.17 on x86_64")]
