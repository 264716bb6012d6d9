"""The job's generated zig-cc (engine/builders/wrappers.py) run as a build system runs it, on
linux-x86_64: compiles go straight to zig, the plugin's shared link (also from a response file)
gets the contract and is recorded, another library's link is left alone."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.builders.builder_helpers import exports

from plugsmith import matrix, plan
from plugsmith.engine.builders import wrappers
from plugsmith.engine.zig import default_cache

SOURCE = "int t_add(int a, int b) { return a + b; }\nint t_helper(int x) { return x; }\n"


def job_wrappers(tmp_path: Path) -> wrappers.Wrappers:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "CMakeLists.txt").write_text("project(t C)\n")
    (tmp_path / "t.symbols").write_text("version 1\n[T_1.0]\nt_add function\n")
    (tmp_path / "build_matrix.yaml").write_text(
        "version: 1\ntargets: [linux-x86_64]\nplugins:\n  - name: t\n    builder: cmake\n"
        "    source_dir: proj\n    contract: t.symbols\n")
    (job,) = plan.resolve(matrix.load(tmp_path / "build_matrix.yaml"), env={}).jobs
    map_path = job.work_dir / job.map_name
    map_path.parent.mkdir(parents=True)
    map_path.write_text("T_1.0 {\n  global:\n    t_add;\n  local:\n    *;\n};\n")
    return wrappers.write(job, map_path=map_path, root=tmp_path, target="t", timeout=600, cache=default_cache())


def cc(wrap: wrappers.Wrappers, *args: str, cwd: Path) -> None:
    res = subprocess.run([str(wrap.cc), *args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    assert res.returncode == 0, res.stderr


def test_plugin_link_through_a_response_file_gets_the_contract(tmp_path: Path) -> None:
    wrap = job_wrappers(tmp_path)
    (tmp_path / "t.c").write_text(SOURCE)
    cc(wrap, "-fPIC", "-c", "t.c", "-o", "t.o", cwd=tmp_path)
    assert wrappers.plugin_links(wrap.links_log) == []  # a compile is not recorded
    (tmp_path / "link.rsp").write_text("-shared -o libt.so.1.0 t.o\n")
    cc(wrap, "@link.rsp", cwd=tmp_path)
    cc(wrap, "-shared", "-o", "libother.so", "t.o", cwd=tmp_path)
    links = wrappers.plugin_links(wrap.links_log)
    assert [(link.output.name, link.plugin) for link in links] == [("libt.so.1.0", True), ("libother.so", False)]
    assert exports(tmp_path / "libt.so.1.0") == {"t_add"}
    assert exports(tmp_path / "libother.so") == {"t_add", "t_helper"}  # not the plugin: untouched
    found = wrappers.plugin_output(wrap.links_log, "t")
    assert not isinstance(found, str) and found.output == tmp_path / "libt.so.1.0"
    wrappers.clear_links(wrap.links_log)  # the next build relinks the plugin: its file is gone
    assert not (tmp_path / "libt.so.1.0").exists() and (tmp_path / "libother.so").exists()
    assert wrappers.plugin_output(wrap.links_log, "t") == (
        "the build linked no shared library named after target 't' (shared links seen: none); "
        "set cmake_target/meson_target to the plugin's library target")
