"""``builder: cmake`` end to end on examples/cmake-plugin, an unchanged CMake project whose internal
helper and vendored static library leak without plugsmith: exact exports on all six default
targets, loaded where this machine can run them, and the leaks shown when a step is left out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.builders.builder_helpers import (
    CMAKE_EXAMPLE,
    MIXER,
    artifact,
    assert_loads,
    assert_six_exact,
    copy_project,
    expected,
    exports,
)
from tests.conftest import Cli, require_tool

from plugsmith.cli import main
from plugsmith.engine import pext

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def mixer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/cmake-plugin built once for the six default targets."""
    require_tool("cmake", package="cmake")
    root = copy_project(CMAKE_EXAMPLE, tmp_path_factory.mktemp("cmake") / "mixer")
    assert main(["-C", str(root), "build", "--no-progress"]) == 0
    return root


def test_six_targets_export_exactly_the_contract(cli: Cli, mixer: Path) -> None:
    assert_six_exact(cli, mixer, "mixer", MIXER)
    assert (mixer / "dist" / "windows-x86_64" / "mixer.lib").is_file()


def test_each_artifact_carries_its_build_record(cli: Cli, mixer: Path) -> None:
    """A project-built artifact has its ``.build.json`` like a zig one: builder, the project's files
    with their hashes; ``verify --same-build`` passes, and fails once one record is gone."""
    import json

    record = json.loads((artifact(mixer, "linux-x86_64", "mixer").parent / "libmixer.so.build.json").read_text())
    assert (record["builder"], record["target"], record["artifact"]["name"]) == ("cmake", "linux-x86_64", "libmixer.so")
    assert "CMakeLists.txt" in [s["path"] for s in record["sources"]]
    res = cli("verify", "--same-build", cwd=mixer)
    assert res.code == 0, res.out + res.err
    gone = artifact(mixer, "macos-aarch64", "mixer")
    kept = gone.with_name(gone.name + ".build.json").read_bytes()
    gone.with_name(gone.name + ".build.json").unlink()
    try:
        res = cli("verify", "--same-build", "--json", cwd=mixer)
        assert res.code == 1
        assert json.loads(res.out)["problems"] == [
            "provenance: dist/macos-aarch64/libmixer.dylib: no build record for it in this release (not built by "
            "plugsmith, or its .build.json was not shipped beside it)"]
    finally:
        gone.with_name(gone.name + ".build.json").write_bytes(kept)


def test_elf_exports_carry_the_contract_versions_and_soname(mixer: Path) -> None:
    from plugsmith.inspection import inspect_file

    (ins,) = inspect_file(artifact(mixer, "linux-aarch64", "mixer"))
    assert {(e.name, e.version) for e in ins.exports} == {(n, "MIXER_1.0") for n in MIXER}
    assert ins.soname == "libmixer.so"  # the project's libmixer.so.1 is replaced: dist/ holds libmixer.so
    (mac,) = inspect_file(artifact(mixer, "macos-x86_64", "mixer"))
    assert (mac.soname, mac.min_os) == ("@rpath/libmixer.dylib", "11.0")


def test_loads_where_this_machine_can_run_it(cli: Cli, mixer: Path, tmp_path: Path) -> None:
    assert_loads(cli, mixer, tmp_path, MIXER)


def _zig_link(out: Path, inputs: list[Path]) -> None:
    argv = [sys.executable, "-m", "ziglang", "cc", "-target", "aarch64-macos.11.0", "-shared", "-s", "-o", str(out),
            *map(str, inputs), "-Wl,-install_name,@rpath/libmixer.dylib"]
    res = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert res.returncode == 0, res.stderr


def test_macos_leak_returns_without_the_archive_step(mixer: Path, tmp_path: Path) -> None:
    """The plugin's objects hidden, the vendored libfastmath.a linked as CMake built it: fm_lerp
    and fm_gain are exported again. The same link with the archive's members hidden is exact."""
    tree = mixer / "build" / "macos-aarch64" / "mixer" / "cmake"
    keep = frozenset(MIXER)
    objects = []
    for obj in sorted((tree / "CMakeFiles" / "mixer.dir" / "src").glob("*.o")):
        copy = tmp_path / obj.name
        copy.write_bytes(obj.read_bytes())
        pext.hide_all_but(copy, keep)
        objects.append(copy)
    assert [o.name for o in objects] == ["clamp.c.o", "mixer.c.o"]
    archive = tree / "vendor" / "fastmath" / "libfastmath.a"
    _zig_link(tmp_path / "leaky.dylib", [*objects, archive])
    assert exports(tmp_path / "leaky.dylib") == expected("macos-aarch64", MIXER) | {"fm_lerp", "fm_gain"}
    hidden = tmp_path / "libfastmath.a"
    hidden.write_bytes(archive.read_bytes())
    assert pext.hide_in_archive(hidden, keep) == ["fm_gain", "fm_lerp"]
    _zig_link(tmp_path / "exact.dylib", [*objects, hidden])
    assert exports(tmp_path / "exact.dylib") == expected("macos-aarch64", MIXER)
