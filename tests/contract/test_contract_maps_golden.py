"""Golden export maps of the multi-version demo contract on all three formats (and two ELF
arches, which differ by an arch-conditional symbol). Regenerate after a deliberate format change
with PLUGSMITH_REGOLD=1 and review the diff."""

from __future__ import annotations

import os

import pytest
from contract_helpers import DEMO_CONTRACT, GOLDEN

from plugsmith.contract import parse
from plugsmith.maps import render

CASES = [
    ("linux-x86_64", "elf", "libdemo.so", "demo.linux-x86_64.map"),
    ("linux-aarch64", "elf", "libdemo.so", "demo.linux-aarch64.map"),
    ("macos-x86_64", "macho", "libdemo.dylib", "demo.macos-x86_64.exp"),
    ("windows-x86_64", "pe", "demo.dll", "demo.windows-x86_64.def"),
]


@pytest.mark.parametrize(("target", "fmt", "library", "golden"), CASES)
def test_map_matches_golden(target: str, fmt: str, library: str, golden: str) -> None:
    os_name, arch = target.split("-")
    contract = parse(DEMO_CONTRACT, "symbols/demo.symbols").for_target(target, os_name, arch)
    text = render(fmt, contract, library=library)  # type: ignore[arg-type]
    path = GOLDEN / golden
    if os.environ.get("PLUGSMITH_REGOLD"):
        path.write_text(text)
    assert text == path.read_text()


def test_elf_nodes_are_written_parents_first_even_when_declared_later() -> None:
    contract = parse("[V2] inherits V1\nb function\n[V1]\na function\n", "s")
    text = render("elf", contract, library="libx.so")
    assert text.index("V1 {") < text.index("V2 {")
    assert "} V1;" in text and "local:\n    *;\n};\n\nV2" in text


def test_elf_unversioned_contract_is_one_anonymous_node() -> None:
    text = render("elf", parse("a function\nb data\n", "s"), library="libx.so")
    assert text.splitlines()[1:] == ["{", "  global:", "    a;", "    b;", "  local:", "    *;", "};"]


def test_pe_noname_needs_and_follows_the_ordinal() -> None:
    text = render("pe", parse("a function ordinal=5 noname\nb data ordinal=6\n", "s"), library="x.dll")
    assert text.splitlines()[3:] == ["    a @5 NONAME", "    b @6 DATA"]
