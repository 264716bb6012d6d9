"""The link wrapper's rewriting of a project's link line (engine/builders/linkwrap.py): pure
functions on real-looking CMake and Meson command lines, each rule with its negative."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from plugsmith.engine.builders import linkwrap


def config(tmp_path: Path, *, hide: bool = False, implib: str | None = None, static: tuple[str, ...] = (),
           link_flags: tuple[str, ...] = ("-Wl,--version-script={map}", "-Wl,-soname,{library}")) -> dict[str, Any]:
    return {"map": str(tmp_path / "mixer.map"), "library": "libmixer.so", "import_library": implib,
            "static_libs": list(static), "ldflags": ["-s"], "link_flags": list(link_flags), "hide_in_objects": hide,
            "hidden_dir": str(tmp_path / "hidden"), "keep": ["mixer_mix"]}


@pytest.mark.parametrize(("output", "target", "expected"), [
    ("libmixer.so.1.2.0", "mixer", True), ("libmixer.so", "mixer", True), ("libmixer-0.dll", "mixer", True),
    ("mixer.dll", "mixer", True), ("sub/dir/libmixer.dylib", "mixer", True), ("libmixer.1.dylib", "mixer", True),
    ("libmixerx.so", "mixer", False), ("libother.so", "mixer", False), ("mix.dll", "mixer", False),
    ("liblibmixer.so", "mixer", False),
])
def test_the_plugin_link_is_named_after_the_target(output: str, target: str, expected: bool) -> None:
    assert linkwrap.names_target(output, target) is expected


def test_cmake_elf_link_gets_the_contract_and_loses_its_own_export_flags(tmp_path: Path) -> None:
    script = tmp_path / "hand.map"
    script.write_text("{ global: *; };\n")
    args = ["-fPIC", "-O3", "-shared", "-Wl,-soname,libmixer.so.1", "-o", "libmixer.so.1.2.0", "a.o", "b.o",
            f"-Wl,--version-script={script}", "-Wl,--version-script," + str(script), "libfastmath.a"]
    out = linkwrap.contract_link(args, "libmixer.so.1.2.0", config(tmp_path, static=("/v/libv.a",)))
    assert out == ["-fPIC", "-O3", "-shared", "-o", "libmixer.so.1.2.0", "a.o", "b.o", "libfastmath.a",
                   "/v/libv.a", "-s", f"-Wl,--version-script={tmp_path / 'mixer.map'}", "-Wl,-soname,libmixer.so"]


def test_pe_link_drops_the_projects_def_and_implib(tmp_path: Path) -> None:
    hand_def = tmp_path / "mixer.def"
    hand_def.write_text("EXPORTS\n  mixer_clamp\n")
    args = ["-shared", "-o", str(tmp_path / "libmixer.dll"), "-Wl,--out-implib,libmixer.dll.a", "a.obj",
            str(hand_def), "-Wl,--major-image-version,1"]
    cfg = config(tmp_path, implib="mixer.lib",
                 link_flags=("{map}", "-Wl,--out-implib,{import_library}", "-Wl,/Brepro"))
    cfg["map"] = str(tmp_path / "build" / "mixer.def")
    out = linkwrap.contract_link(args, str(tmp_path / "libmixer.dll"), cfg)
    assert out == ["-shared", "-o", str(tmp_path / "libmixer.dll"), "a.obj", "-Wl,--major-image-version,1", "-s",
                   str(tmp_path / "build" / "mixer.def"), f"-Wl,--out-implib,{tmp_path / 'mixer.lib'}",
                   "-Wl,/Brepro"]


def test_macho_link_drops_install_name_and_export_list_with_their_values(tmp_path: Path) -> None:
    args = ["-dynamiclib", "-o", "libmixer.1.2.0.dylib", "-install_name", "/abs/build/libmixer.1.dylib",
            "-Wl,-exported_symbols_list,exports/mixer.exp", "-exported_symbols_list", "x.exp",
            "-Wl,-headerpad_max_install_names"]
    cfg = config(tmp_path, link_flags=("-Wl,-install_name,@rpath/{library}",))
    cfg["library"] = "libmixer.dylib"
    out = linkwrap.contract_link(args, "libmixer.1.2.0.dylib", cfg)
    assert out == ["-dynamiclib", "-o", "libmixer.1.2.0.dylib", "-Wl,-headerpad_max_install_names", "-s",
                   "-Wl,-install_name,@rpath/libmixer.dylib"]


def test_only_shared_links_are_rewritten() -> None:
    assert linkwrap._is_shared_link(["-shared", "-o", "x.so", "a.o"])
    assert linkwrap._is_shared_link(["-dynamiclib", "-o", "x.dylib", "a.o"])
    assert not linkwrap._is_shared_link(["-shared", "-c", "a.c", "-o", "a.o"])  # a compile with -shared
    assert not linkwrap._is_shared_link(["-o", "cmTC_1", "a.o"])  # CMake's try_compile executable
    assert not linkwrap._is_shared_link(["--version"])


def test_response_files_are_read(tmp_path: Path) -> None:
    rsp = tmp_path / "link.rsp"
    rsp.write_text('a.o "dir with space/b.o"\n-lm\n')
    assert linkwrap._expand_response_files(["-shared", f"@{rsp}", "@missing.rsp"]) == [
        "-shared", "a.o", "dir with space/b.o", "-lm", "@missing.rsp"]
