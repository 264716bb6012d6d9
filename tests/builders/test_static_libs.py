"""``static_libs:``: a vendored static library linked into the plugin and hidden per the contract on
every format, with the zig builder (the archive's members are made private-extern on Mach-O)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.builders.builder_helpers import SIX, artifact, expected, exports

from plugsmith import matrix, plan
from plugsmith.engine import pext
from plugsmith.engine.engine import build
from plugsmith.plan import Job

VENDOR_C = "int v_double(int x) { return 2 * x; }\nint v_unused(int x) { return x - 1; }\n"
PLUGIN_C = "int v_double(int x);\nint sl_run(int x) { return v_double(x) + 1; }\n"
CONFIG = """version: 1
plugins:
  - name: sl
    sources: [src/sl.c]
    contract: sl.symbols
    static_libs: ["vendor/{target}/libv.a"]
"""


def zig(*args: str, cwd: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "ziglang", *args], cwd=cwd, capture_output=True, text=True,
                         timeout=900, check=False)
    assert res.returncode == 0, res.stderr


def vendored_archive(folder: Path, triple: str, *, fmt: str | None = None, source: str = VENDOR_C) -> Path:
    """libv.a for one target, made as a vendor would: compile, then ar (zig ar picks the BSD
    format for Mach-O objects, the only one zig's Mach-O linker reads; ``fmt`` forces one)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "v.c").write_text(source)
    zig("cc", "-target", triple, "-O2", "-fPIC", "-c", "v.c", "-o", "v.o", cwd=folder)
    zig("ar", *([f"--format={fmt}"] if fmt else []), "rcs", "libv.a", "v.o", cwd=folder)
    return folder / "libv.a"


@pytest.mark.slow
def test_vendored_library_is_hidden_on_all_six_targets(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "sl.c").write_text(PLUGIN_C)
    (tmp_path / "sl.symbols").write_text("version 1\n[SL_1.0]\nsl_run function\n")
    (tmp_path / "build_matrix.yaml").write_text(CONFIG)
    triples = {"linux-x86_64": "x86_64-linux-gnu.2.17", "linux-aarch64": "aarch64-linux-gnu.2.17",
               "macos-x86_64": "x86_64-macos.11.0", "macos-aarch64": "aarch64-macos.11.0",
               "windows-x86_64": "x86_64-windows-gnu", "windows-aarch64": "aarch64-windows-gnu"}
    for target, triple in triples.items():
        vendored_archive(tmp_path / "vendor" / target, triple)
    resolved = plan.resolve(matrix.load(tmp_path / "build_matrix.yaml"), env={})
    result = build(resolved)
    assert result.ok, [(r.message, r.log) for r in result.failures]
    for target in SIX:
        assert exports(artifact(tmp_path, target, "sl")) == expected(target, frozenset({"sl_run"})), target
    # Mach-O: the link used a hidden copy of the archive; the vendored file itself is untouched
    mac: Job = next(j for j in resolved.jobs if j.target.name == "macos-aarch64")
    (copy,) = (mac.work_dir / "hidden").glob("*-libv.a")
    assert _pext_names(copy) == {"_v_double", "_v_unused"}
    assert _pext_names(mac.static_libs[0]) == set()
    # a new build of the vendored library relinks the plugin of that target only
    vendored_archive(tmp_path / "vendor" / "linux-x86_64", triples["linux-x86_64"],
                     source=VENDOR_C.replace("2 * x", "3 * x"))
    again = build(resolved)
    assert [r.job.target.name for r in again.results if not r.up_to_date] == ["linux-x86_64"]
    assert again.commands == 1  # the link; sl.c did not change


def _pext_names(archive: Path) -> set[str]:
    data = archive.read_bytes()
    names = set()
    for _name, offset, length in pext.archive_members(data):
        if data[offset:offset + 4] != b"\xcf\xfa\xed\xfe":
            continue
        member = data[offset:offset + length]
        for name, entry in pext.defined_externals(member).items():
            if member[entry + 4] & pext.N_PEXT:
                names.add(name)
    return names


@pytest.mark.parametrize("fmt", ["gnu", "darwin"])
def test_hide_in_archive_marks_members_private_extern(tmp_path: Path, fmt: str) -> None:
    archive = vendored_archive(tmp_path, "aarch64-macos.11.0", fmt=fmt)
    assert pext.hide_in_archive(archive, frozenset({"v_double"})) == ["v_unused"]
    assert _pext_names(archive) == {"_v_unused"}
    assert pext.hide(archive, frozenset()) == ["v_double", "v_unused"]  # hide() sniffs the archive
    assert _pext_names(archive) == {"_v_double", "_v_unused"}


def test_hide_in_archive_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    from plugsmith.errors import BuildError

    thin = tmp_path / "thin.a"
    thin.write_bytes(b"!<thin>\n")
    with pytest.raises(BuildError, match="not an ar archive"):
        pext.hide_in_archive(thin, frozenset())
    archive = vendored_archive(tmp_path / "v", "aarch64-macos.11.0")
    cut = tmp_path / "cut.a"
    cut.write_bytes(archive.read_bytes()[:-40])
    with pytest.raises(BuildError, match="runs past the end of the file"):
        pext.hide_in_archive(cut, frozenset())
