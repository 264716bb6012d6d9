"""Project builders and the engine's guarantees, on one fast target (linux-x86_64): a no-op build
starts no cmake, meson, ninja or zig process; a touched CMake source rebuilds that plugin only; a
missing builder stops everything in one line; without plugsmith's wrappers the helpers leak."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.builders.builder_helpers import (
    CMAKE_EXAMPLE,
    ECHO,
    MESON_EXAMPLE,
    MIXER,
    artifact,
    copy_project,
    exports,
    shim_path,
)
from tests.conftest import Cli, require_tool

from plugsmith import matrix, plan
from plugsmith.engine.builders import find_tool
from plugsmith.engine.engine import BuildResult, build

TARGET = "linux-x86_64"


@pytest.fixture
def two_builders(tmp_path: Path) -> Path:
    """One project, two plugins: mixer (cmake, at the root) and echo (meson, in echo/)."""
    require_tool("cmake", package="cmake")
    root = copy_project(CMAKE_EXAMPLE, tmp_path / "project")
    copy_project(MESON_EXAMPLE, root / "echo")
    config = yaml.safe_load((root / "build_matrix.yaml").read_text())
    config["targets"] = [TARGET]
    config["plugins"].append({"name": "echo", "builder": "meson", "source_dir": "echo",
                              "contract": "echo/symbols/echo.symbols"})
    (root / "build_matrix.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return root


def run(root: Path) -> BuildResult:
    result = build(plan.resolve(matrix.load(root / "build_matrix.yaml"), env={}))
    assert result.ok, [(r.message, r.log) for r in result.failures]
    return result


def up_to_date(result: BuildResult) -> dict[str, bool]:
    return {r.job.plugin.name: r.up_to_date for r in result.results}


@pytest.mark.slow  # cmake and meson builds (~10 s each)
def test_noop_build_starts_no_process_and_a_touched_source_rebuilds_one_plugin(
        two_builders: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "tools.log"
    monkeypatch.setenv("PATH", shim_path(tmp_path / "shims", log))
    first = run(two_builders)
    assert up_to_date(first) == {"mixer": False, "echo": False}
    assert exports(artifact(two_builders, TARGET, "mixer")) == MIXER
    assert exports(artifact(two_builders, TARGET, "echo")) == ECHO
    ran = log.read_text().split()
    assert {"cmake", "meson", "ninja"} <= set(ran)  # the shims do see the tools
    log.write_text("")

    noop = run(two_builders)
    assert up_to_date(noop) == {"mixer": True, "echo": True}
    assert noop.commands == 0
    assert log.read_text() == ""  # no cmake, meson or ninja (so no zig-cc either)

    source = two_builders / "src" / "clamp.c"
    source.write_text(source.read_text() + "/* touched */\n")
    again = run(two_builders)
    assert up_to_date(again) == {"mixer": False, "echo": True}
    assert [r.commands for r in again.results] == [2, 0]  # cmake configure + cmake --build
    assert set(log.read_text().split()) == {"cmake", "ninja"}
    assert exports(artifact(two_builders, TARGET, "mixer")) == MIXER


@pytest.mark.slow  # cmake and meson builds (~10 s each)
def test_a_contract_change_relinks_though_the_build_system_sees_no_change(two_builders: Path) -> None:
    run(two_builders)
    contract = two_builders / "symbols" / "mixer.symbols"
    contract.write_text(contract.read_text().replace("mixer_channels  data\n", ""))
    result = run(two_builders)
    assert up_to_date(result) == {"mixer": False, "echo": True}
    assert exports(artifact(two_builders, TARGET, "mixer")) == MIXER - {"mixer_channels"}


@pytest.mark.slow  # cmake and meson builds (~10 s each)
def test_the_projects_hand_kept_export_files_give_way_to_the_contract(two_builders: Path) -> None:
    """MIXER_HAND_EXPORTS=ON links the project's own version script (which names no node the
    contract has): the wrapper drops it, the contract's map applies."""
    config = yaml.safe_load((two_builders / "build_matrix.yaml").read_text())
    config["plugins"][0]["options"] = {"MIXER_HAND_EXPORTS": True}
    (two_builders / "build_matrix.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (two_builders / "exports" / "mixer.map").write_text("OLD_1 { global: *; };\n")
    run(two_builders)
    from plugsmith.inspection import inspect_file

    (ins,) = inspect_file(artifact(two_builders, TARGET, "mixer"))
    assert {(e.name, e.version) for e in ins.exports} == {(n, "MIXER_1.0") for n in MIXER}
    log = (two_builders / "build" / TARGET / "mixer" / "build.log").read_text()
    assert "-DMIXER_HAND_EXPORTS=ON" in log


def test_missing_builder_is_one_line_exit_2_before_anything_runs(cli: Cli, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(CMAKE_EXAMPLE, tmp_path / "mixer")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    res = cli("build", "--no-progress", cwd=root)
    assert res.code == 2
    assert res.err.splitlines() == [
        "plugsmith: error: cmake not found on PATH: install CMake 3.21 or newer (apt-get install cmake, or pip "
        "install cmake) (needed by builder: cmake of plugin mixer)"]
    assert not (root / "build").exists() and not (root / "dist").exists()


@pytest.mark.slow  # cmake and meson builds (~10 s each)
def test_without_plugsmiths_link_step_the_helpers_leak(cli: Cli, two_builders: Path, tmp_path: Path) -> None:
    """The negative twin: the same project through `plugsmith toolchains`' plain wrappers (no
    contract at link time) exports its internal helper and the vendored library; verify says so."""
    import subprocess

    cmake = require_tool("cmake", package="cmake")
    assert cli("toolchains", cwd=two_builders).code == 0
    tree = tmp_path / "plain"
    ninja = find_tool("ninja")
    assert ninja is not None
    for argv in ([cmake, "-S", str(two_builders), "-B", str(tree), "-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={ninja}",
                  f"-DCMAKE_TOOLCHAIN_FILE={two_builders / 'toolchains' / TARGET / 'toolchain.cmake'}"],
                 [cmake, "--build", str(tree), "--target", "mixer"]):
        res = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
        assert res.returncode == 0, res.stdout + res.stderr
    library = tree / "libmixer.so.1.2.0"
    assert exports(library) == MIXER | {"mixer_clamp", "fm_lerp", "fm_gain"}
    res = cli("verify", "--contract", str(two_builders / "symbols" / "mixer.symbols"), str(library), cwd=tmp_path)
    assert res.code == 1
    assert "mixer_clamp" in res.out and "fm_lerp" in res.out


@pytest.mark.slow  # a cmake build
def test_a_failed_project_build_explains_itself_and_leaves_no_stale_artifact(cli: Cli, tmp_path: Path) -> None:
    root = copy_project(CMAKE_EXAMPLE, tmp_path / "mixer")
    assert cli("build", "--no-progress", "-t", TARGET, cwd=root).code == 0
    assert artifact(root, TARGET, "mixer").is_file()
    contract = root / "symbols" / "mixer.symbols"
    contract.write_text(contract.read_text() + "mixer_gone      function\n")
    res = cli("build", "--no-progress", "-t", TARGET, cwd=root)
    assert res.code == 3
    assert (f"plugsmith: error: mixer@{TARGET}: cmake --build --target mixer failed: contract symbol 'mixer_gone' "
            "is not defined by any source of this plugin") in res.err.splitlines()
    assert f"  log: build/{TARGET}/mixer/build.log" in res.err.splitlines()
    assert not artifact(root, TARGET, "mixer").exists()  # the old one would pass for this contract's build
    source = root / "src" / "clamp.c"
    source.write_text("int mixer_clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v }\n")
    contract.write_text(contract.read_text().replace("mixer_gone      function\n", ""))
    res = cli("build", "--no-progress", "-t", TARGET, cwd=root)
    assert res.code == 3
    assert (f"plugsmith: error: mixer@{TARGET}: cmake --build --target mixer failed: cmake exit 1, its output is "
            "in the build.log") in res.err.splitlines()
    assert "error: expected ';' after return statement" in res.err
