"""``plugsmith symbols import``: a real-world-shaped .map with several version nodes and a .def
that drifted from it (tests/contract/data/zlike.*), plus real binaries: every disagreement named,
nothing written without --write, the written contract reproduces each input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from contract_helpers import DATA, GOLDEN, Project, zig_env
from tests.conftest import Cli, tree

from plugsmith.contract import load, parse
from plugsmith.importer import import_files, read_def, read_exp, read_map

MAP = DATA / "zlike.map"
DEF = DATA / "zlike.def"
MAP_NAMES = {"zl_compress", "zl_uncompress", "zl_version", "zl_errmsg", "zl_compress_bound", "zl_adler32",
             "zl_gzopen64", "zl_gzseek64", "zl_crc32_combine", "zl_inflate_codes_used"}
DEF_NAMES = {"zl_version", "zl_compress", "zl_uncompress", "zl_errmsg", "zl_adler32", "zl_crc32_combine",
             "zl_crc_table", "zl_compress_bound", "zl_gzopen_w", "zl_hook"}
DRIFT = [
    "'zl_gzopen64' is in zlike.map but not in zlike.def",
    "'zl_gzseek64' is in zlike.map but not in zlike.def",
    "'zl_inflate_codes_used' is in zlike.map but not in zlike.def",
    "'zl_crc_table' is in zlike.def but not in zlike.map",
    "'zl_gzopen_w' is in zlike.def but not in zlike.map",
    "'zl_hook' is in zlike.def but not in zlike.map",
]


def test_read_map_nodes_parents_and_names() -> None:
    src = read_map(MAP.read_text(), "zlike.map")
    assert [(n.name, n.parent) for n in src.nodes] == [("ZLIKE_1.2.0", None), ("ZLIKE_1.2.2", "ZLIKE_1.2.0"),
                                                       ("ZLIKE_1.2.5", "ZLIKE_1.2.2"), ("ZLIKE_1.2.9", "ZLIKE_1.2.5")]
    assert {e.name for e in src.entries} == MAP_NAMES
    assert {e.name: e.node for e in src.entries}["zl_inflate_codes_used"] == "ZLIKE_1.2.9"  # no 'global:' line
    assert src.notes == ["zlike.map:10: local name 'zl_internal_*' ignored (only exports are imported)",
                         "zlike.map:26: pattern 'zl_crc*' is not a name: not imported, list the names it matches"]


def test_read_def_ordinals_data_noname() -> None:
    src = read_def(DEF.read_text(), "zlike.def")
    entries = {e.name: e for e in src.entries}
    assert set(entries) == DEF_NAMES
    assert (entries["zl_crc_table"].kind, entries["zl_crc_table"].ordinal) == ("data", 7)
    assert (entries["zl_hook"].ordinal, entries["zl_hook"].noname) == (10, True)
    assert entries["zl_errmsg"].kind == "function" and entries["zl_errmsg"].line == 8


def test_read_exp() -> None:
    src = read_exp("# list\n_a\n_b  # trailing\n_c*\n", "x.exp")
    assert [e.name for e in src.entries] == ["a", "b"] and src.notes == [
        "x.exp:4: '_c*' is not a C name (wildcard or C++?): not imported"]


def test_map_and_drifted_def_disagreements() -> None:
    result = import_files([MAP, DEF], display=lambda p: p.name)
    assert list(result.disagreements) == DRIFT
    c = result.contract
    # the proposal reproduces each input exactly, through platform conditions
    assert c.for_target("linux-x86_64", "linux", "x86_64").names == MAP_NAMES
    assert c.for_target("windows-x86_64", "windows", "x86_64").names == DEF_NAMES
    s = c.by_name()
    assert (s["zl_crc32_combine"].node, s["zl_crc32_combine"].ordinal) == ("ZLIKE_1.2.5", 6)
    assert (s["zl_hook"].noname, s["zl_hook"].ordinal, s["zl_hook"].only) == (True, 10, ("windows",))
    assert s["zl_crc_table"].kind == "data"
    assert [(n.name, n.parent) for n in c.nodes][-1] == ("ZLIKE_1.2.9", "ZLIKE_1.2.5")
    assert "zl_gzopen64            function   only=linux  # import: 'zl_gzopen64' is in zlike.map but not in " \
        "zlike.def\n" in result.text


def test_cli_reports_and_writes_nothing_without_write(tmp_path: Path, cli: Cli) -> None:
    res = cli("symbols", "import", "zlike.map", "zlike.def", "-o", str(tmp_path / "zlike.symbols"), cwd=DATA)
    assert res.code == 1
    assert [line.removeprefix("disagreement: ") for line in res.err.splitlines()
            if line.startswith("disagreement: ")] == DRIFT
    assert res.out.startswith("# Imported by plugsmith symbols import from:")
    assert "not written: pass --write" in res.err
    assert tree(tmp_path) == []


def test_cli_write_is_atomic_and_the_file_is_a_valid_contract(tmp_path: Path, cli: Cli) -> None:
    out = tmp_path / "symbols" / "zlike.symbols"
    res = cli("symbols", "import", str(MAP), str(DEF), "-o", str(out), "--write")
    assert res.code == 1 and res.out == ""  # disagreements are still a finding
    assert tree(tmp_path) == ["symbols/zlike.symbols"]  # no temp file left behind
    written = load(out)
    assert len(written.symbols) == 13 and len(written.nodes) == 4
    assert cli("symbols", "check", str(out)).code == 0


def test_agreeing_inputs_exit_0(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "a.map").write_text("A_1 { global: a; b; local: *; };\n")
    (tmp_path / "a.def").write_text("EXPORTS\n  a\n  b DATA\n")
    res = cli("symbols", "import", "a.map", "a.def", cwd=tmp_path)
    assert res.code == 0 and "disagreement" not in res.err
    assert parse(res.out, "x").by_name()["b"].kind == "data"


@pytest.mark.parametrize(("name", "text", "message"), [
    ("bad.def", "EXPORTS\n  a @1 BOGUS\n", "bad.def:2: unknown keyword 'BOGUS' in export entry 'a @1 BOGUS'"),
    ("bad.def", "a\n", "bad.def:1: 'a' outside an EXPORTS section"),
    ("bad.map", "V1 { global: a; \n", "bad.map:1: version script ends inside a node"),
    ("bad.map", "V1 global: a; };\n", "bad.map:1: expected '{' after version node 'V1', got 'global'"),
    ("bad.map", 'V1 { extern "C++" { x; }; };\n', "bad.map:1: extern \"C++\" blocks are not supported"),
    ("bad.exp", "a\n", "bad.exp:1: 'a' has no leading underscore"),
    ("bad.xyz", "a\n", "bad.xyz: unknown input kind"),
    ("empty.map", "V1 { local: *; };\n", "nothing to import"),
])
def test_malformed_inputs_exit_2(tmp_path: Path, cli: Cli, name: str, text: str, message: str) -> None:
    (tmp_path / name).write_text(text)
    res = cli("symbols", "import", name, cwd=tmp_path)
    assert res.code == 2 and message in res.err, res.err


def test_write_needs_output(tmp_path: Path, cli: Cli) -> None:
    res = cli("symbols", "import", str(MAP), "--write")
    assert res.code == 2 and "--write needs -o FILE" in res.err


@pytest.fixture(scope="module")
def zlike_so(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """zlike.c linked for linux-x86_64 with an OLDER script (zl_crc32_combine in ZLIKE_1.2.2)."""
    out = tmp_path_factory.mktemp("zlike") / "libzlike.so"
    subprocess.run([sys.executable, "-m", "ziglang", "cc", "-target", "x86_64-linux-gnu", "-O2", "-fPIC", "-shared",
                    "-o", str(out), str(DATA / "zlike.c"), f"-Wl,--version-script={DATA / 'zlike-old.map'}"],
                   check=True, env=zig_env(), capture_output=True)
    return out


def test_binary_states_kind_and_version_disagreements(zlike_so: Path) -> None:
    result = import_files([MAP, DEF, zlike_so], display=lambda p: p.name)
    extra = [d for d in result.disagreements if " is in " not in d]
    assert extra == ["'zl_errmsg' kind: function in zlike.def:8, data in libzlike.so",
                     "'zl_crc32_combine' version node: ZLIKE_1.2.5 in zlike.map:25, ZLIKE_1.2.2 in libzlike.so"]
    s = result.contract.by_name()
    assert s["zl_errmsg"].kind == "data"  # the binary's real type wins
    assert s["zl_crc32_combine"].node == "ZLIKE_1.2.5"  # the script wins


def test_import_from_release_artifacts_and_def(demo_release: Project) -> None:
    arts = [demo_release.artifact(t) for t in ("linux-x86_64", "macos-x86_64", "windows-x86_64")]
    bare = import_files(arts, display=lambda p: p.parent.name)
    assert "windows-x86_64: nameless export #9 (ordinal 9) is named by no .def entry: not imported" in \
        bare.disagreements
    named = import_files([*arts, GOLDEN / "demo.windows-x86_64.def"], display=lambda p: p.name)
    s = named.contract.by_name()
    assert (s["demo_win_hook"].noname, s["demo_win_hook"].ordinal, s["demo_win_hook"].only) == (True, 9, ("windows",))
    assert s["demo_banner"].kind == "data" and s["demo_banner"].node == "DEMO_1.0" and s["demo_banner"].ordinal == 2
    assert s["demo_posix"].only == ("linux", "macos")
    assert named.contract.for_target("linux-x86_64", "linux", "x86_64").names == {
        "demo_add", "demo_banner", "demo_scale", "demo_level", "demo_posix", "demo_fast", "demo_mul"}


def test_gnu_ld_def_and_version_script_keep_inherits(tmp_path: Path, cli: Cli) -> None:
    """A .def as GNU ld writes it (``--output-def``: quoted LIBRARY with BASE=, ordinals, DATA) and a
    version script with parents: the contract keeps the chain, the kinds and the ordinals."""
    (tmp_path / "p.def").write_text('LIBRARY "p.dll" BASE=0x22d230000\nEXPORTS\n    p_close @1\n'
                                    "    p_count @2 DATA\n    p_open @3\n    p_stat @4\n")
    (tmp_path / "p.map").write_text("P_1.0 { global: p_open; p_close; p_count; local: *; };\n"
                                    "P_1.1 { global: p_stat; } P_1.0;\nP_2.0 { } P_1.1;\n")
    res = cli("symbols", "import", "p.map", "p.def", cwd=tmp_path)
    assert (res.code, res.err) == (0, "")
    assert res.out.split("version 1\n")[1] == (
        "\n[P_1.0]\np_open   function   ordinal=3\np_close  function   ordinal=1\np_count  data       ordinal=2\n"
        "\n[P_1.1] inherits P_1.0\np_stat   function   ordinal=4\n\n[P_2.0] inherits P_1.1\n")
