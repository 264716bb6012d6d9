"""``plugsmith symbols import DIR``: a CMake or Meson project's hand-kept export files, found from its
build files and merged into one contract (the first step of docs/migrating.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.builders.builder_helpers import CMAKE_EXAMPLE
from tests.conftest import Cli

from plugsmith.contract import load


def test_cmake_projects_three_files_become_its_contract(cli: Cli, tmp_path: Path) -> None:
    res = cli("symbols", "import", str(CMAKE_EXAMPLE), "-o", str(tmp_path / "mixer.symbols"), "--write",
              cwd=tmp_path)
    assert res.code == 0, res.err
    assert [line for line in res.err.splitlines() if line.startswith("note:")] == [
        f"note: {CMAKE_EXAMPLE}/exports/mixer.def: named by {CMAKE_EXAMPLE}/CMakeLists.txt:18",
        f"note: {CMAKE_EXAMPLE}/exports/mixer.exp: named by {CMAKE_EXAMPLE}/CMakeLists.txt:20",
        f"note: {CMAKE_EXAMPLE}/exports/mixer.map: named by {CMAKE_EXAMPLE}/CMakeLists.txt:22"]
    imported = load(tmp_path / "mixer.symbols")
    kept = load(CMAKE_EXAMPLE / "symbols" / "mixer.symbols")
    assert [(s.name, s.kind, s.node) for s in imported.symbols] == [(s.name, s.kind, s.node) for s in kept.symbols]


def test_drift_between_the_hand_kept_files_is_reported(cli: Cli, tmp_path: Path) -> None:
    project = tmp_path / "mixer"
    shutil.copytree(CMAKE_EXAMPLE, project, ignore=shutil.ignore_patterns("build", "dist"))
    definition = project / "exports" / "mixer.def"
    definition.write_text(definition.read_text().replace("    mixer_channels DATA\n", ""))
    res = cli("symbols", "import", "mixer", cwd=tmp_path)
    assert res.code == 1
    assert "disagreement:" in res.err and "mixer_channels" in res.err
    assert ("mixer_channels  function   only=linux,macos  # import: 'mixer_channels' is in mixer/exports/mixer.exp, "
            "mixer/exports/mixer.map but not in mixer/exports/mixer.def") in res.out.splitlines()
    # only the .def said DATA: without it the kind is a guess, and the import says so
    assert "note: kind stated by no input, imported as function: mixer_channels" in res.err.splitlines()


def test_meson_project_files_are_found(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "p" / "win").mkdir(parents=True)
    (tmp_path / "p" / "meson.build").write_text(
        "project('p', 'c')\n"
        "shared_library('p', 'p.c', vs_module_defs: 'win/p.def',\n"
        "  link_args: ['-Wl,--version-script=' + meson.current_source_dir() / 'p.map'])  # 'old.map' gone\n")
    (tmp_path / "p" / "win" / "p.def").write_text("EXPORTS\n  p_run\n")
    (tmp_path / "p" / "p.map").write_text("P_1 { global: p_run; local: *; };\n")
    res = cli("symbols", "import", "p", cwd=tmp_path)
    assert res.code == 0, res.err
    assert res.out.splitlines()[-2:] == ["[P_1]", "p_run  function"]
    assert "note: p/win/p.def: named by p/meson.build:2" in res.err
    assert "note: p/p.map: named by p/meson.build:3" in res.err


def test_a_folder_without_build_files_or_export_files_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    res = cli("symbols", "import", "empty", cwd=tmp_path)
    assert (res.code, res.err.strip()) == (2, "plugsmith: error: empty: a folder, but no CMakeLists.txt or "
                                              "meson.build in it: name the export files")
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "CMakeLists.txt").write_text("add_library(x SHARED x.c)  # exports.map not kept here\n")
    res = cli("symbols", "import", "plain", cwd=tmp_path)
    assert (res.code, res.err.strip()) == (2, "plugsmith: error: plain: its build files name no export file "
                                              "(version script, .exp, .def): give the files or a built library "
                                              "instead")
