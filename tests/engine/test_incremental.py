"""Fingerprints: a second build runs no zig; a change rebuilds exactly what depends on it.

Which objects rebuilt is read from the build's own ``command`` events (each is one real zig
process), three targets, one per format."""

from __future__ import annotations

import os

import pytest
from build_helpers import THREE, Project, build_api

from plugsmith.engine import zig
from plugsmith.inspection import inspect_file

pytestmark = pytest.mark.slow  # three targets, several builds each

SOURCES = ("a.c", "b.c", "helper.c")


def all_compiles(sources: tuple[str, ...] = SOURCES) -> list[tuple[str, str]]:
    return sorted((f"demo@{t}", s) for t in THREE for s in sources)


def all_links() -> list[str]:
    return sorted(f"demo@{t}" for t in THREE)


def test_first_build_compiles_each_source_once_per_target_then_nothing(project: Project) -> None:
    first = build_api(project)
    assert first.result.ok, [f.message for f in first.result.failures]
    assert first.compiled() == all_compiles()
    assert first.linked() == all_links()
    for target in THREE:
        (ins,) = inspect_file(first.result.results[THREE.index(target)].artifact)
        linker = {"_mh_dylib_header", "__dso_handle"} if target.startswith("macos") else set()
        assert ins.export_names == {"demo_a", "demo_b"} | linker  # helper stays hidden

    second = build_api(project)
    assert second.result.ok
    assert second.commands == []
    assert all(r.up_to_date for r in second.result.results)
    assert [k for k, _, _ in second.events] == ["done"] * len(THREE)


def test_a_header_change_recompiles_only_the_sources_that_include_it(project: Project) -> None:
    build_api(project)
    project.write("include/a.h", "#ifndef A_H\n#define A_H\n#define A_OFFSET 11\n#endif\n")
    run = build_api(project)
    assert run.compiled() == sorted((f"demo@{t}", "a.c") for t in THREE)
    assert run.linked() == all_links()

    project.write("include/common.h", HEADER_COMMON_SCALE_4)
    run = build_api(project)
    assert run.compiled() == all_compiles()


HEADER_COMMON_SCALE_4 = "#ifndef COMMON_H\n#define COMMON_H\n#define SCALE 4\nint helper(int x);\n#endif\n"


def test_touching_without_changing_bytes_rebuilds_nothing(project: Project) -> None:
    build_api(project)
    for rel in ("include/common.h", "src/a.c", "demo.symbols"):
        os.utime(project.root / rel, ns=(1, 1))
    assert build_api(project).commands == []


def test_a_same_object_from_a_changed_source_does_not_relink(project: Project) -> None:
    build_api(project)
    # a comment at the end of the last line: no line or column of code moves (zig emits debug info)
    project.write("src/b.c", (project.root / "src/b.c").read_text().rstrip("\n") + " /* note */\n")
    run = build_api(project)
    assert run.compiled() == sorted((f"demo@{t}", "b.c") for t in THREE)
    # ELF and Mach-O objects come out byte-identical, so their links are skipped; COFF objects
    # carry the source file's checksum in their CodeView debug info, so Windows relinks
    assert run.linked() == ["demo@windows-x86_64"]


def test_a_flag_change_rebuilds_every_object_and_link(project: Project) -> None:
    build_api(project)
    run = build_api(project, extra_cflags=["-DDEMO_EXTRA=1"])
    assert run.compiled() == all_compiles()
    assert build_api(project, extra_cflags=["-DDEMO_EXTRA=1"]).commands == []


def test_a_contract_change_relinks_without_recompiling(project: Project) -> None:
    build_api(project)
    project.write("demo.symbols", "version 1\n[DEMO_1.0]\ndemo_a function\n")
    run = build_api(project)
    assert run.compiled() == []
    assert run.linked() == all_links()
    for result in run.result.results:
        (ins,) = inspect_file(result.artifact)
        assert "demo_b" not in ins.export_names


def test_a_new_zig_rebuilds_everything(project: Project, monkeypatch: object) -> None:
    build_api(project)
    monkeypatch.setattr(zig, "identity", lambda: "ziglang 99.0.0 (another zig)")  # type: ignore[attr-defined]
    run = build_api(project)
    assert run.compiled() == all_compiles()
    assert run.linked() == all_links()


def test_force_rebuilds_everything(project: Project) -> None:
    build_api(project)
    run = build_api(project, force=True)
    assert run.compiled() == all_compiles()
    assert run.linked() == all_links()


def test_a_deleted_or_replaced_artifact_is_relinked_only(project: Project) -> None:
    build_api(project)
    (project.dist / "linux-x86_64" / "libdemo.so").unlink()
    (project.dist / "windows-x86_64" / "demo.dll").write_bytes(b"MZ not a dll")
    run = build_api(project)
    assert run.compiled() == []
    assert run.linked() == ["demo@linux-x86_64", "demo@windows-x86_64"]


def test_a_new_source_compiles_only_itself(project: Project) -> None:
    build_api(project)
    project.write("src/c.c", '#include "common.h"\nint demo_c(int x) { return helper(x) - 1; }\n')
    project.write_config(sources=["src/a.c", "src/b.c", "src/c.c", "src/helper.c"])
    run = build_api(project)
    assert run.compiled() == sorted((f"demo@{t}", "c.c") for t in THREE)
    assert run.linked() == all_links()


def test_a_failed_compile_keeps_nothing_and_rebuilds_next_time(project: Project) -> None:
    build_api(project)
    good = (project.root / "src/b.c").read_text()
    project.write("src/b.c", good + "int broken(void) { return missing_name; }\n")
    run = build_api(project, keep_going=True)
    assert not run.result.ok
    assert {f.job.id for f in run.result.failures} == {f"demo@{t}" for t in THREE}
    for failure in run.result.failures:
        assert "missing_name" in failure.log
        assert failure.message.startswith(f"{failure.job.id}: compiling b.c failed")
        assert failure.log_path is not None and "missing_name" in failure.log_path.read_text()
    assert run.linked() == []
    project.write("src/b.c", good)
    again = build_api(project)
    assert again.result.ok
    assert again.compiled() == sorted((f"demo@{t}", "b.c") for t in THREE)


def test_scratch_of_a_killed_build_is_swept_but_nothing_else(project: Project) -> None:
    build_api(project)
    work = project.root / "build" / "linux-x86_64" / "demo"
    (work / "link-0123456789ab").mkdir()
    (work / "link-0123456789ab" / "libdemo.so").write_bytes(b"half")
    (work / "obj" / ".a-1.o.0123456789ab.tmp").write_bytes(b"half")
    dist = project.dist / "linux-x86_64"
    (dist / ".libdemo.so.0123456789ab.tmp").write_bytes(b"half")
    (dist / "link-notes").mkdir()  # not ours: a folder in dist is left alone
    assert build_api(project).commands == []
    assert not (work / "link-0123456789ab").exists()
    assert not (work / "obj" / ".a-1.o.0123456789ab.tmp").exists()
    assert not (dist / ".libdemo.so.0123456789ab.tmp").exists()
    assert (dist / "link-notes").is_dir()
