"""The symbols file: every feature parses to the value it says, every malformed case fails with its
message and location, and the text and JSON forms round-trip."""

from __future__ import annotations

import json

import pytest
from contract_helpers import DEMO_CONTRACT

from plugsmith.contract import ConfigError, dump, from_data, parse, to_data


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse(text, "bad.symbols")
    return info.value.lines()


def test_demo_contract_parses_every_feature() -> None:
    c = parse(DEMO_CONTRACT, "demo.symbols")
    assert [(n.name, n.parent) for n in c.nodes] == [("DEMO_1.0", None), ("DEMO_1.1", "DEMO_1.0"),
                                                     ("DEMO_2.0", "DEMO_1.1")]
    s = c.by_name()
    assert s["demo_banner"].kind == "data" and s["demo_banner"].ordinal == 2
    assert s["demo_win_hook"].noname and s["demo_win_hook"].only == ("windows",) and s["demo_win_hook"].ordinal == 9
    assert s["demo_old"].deprecated == "DEMO_1.1" and s["demo_old"].removed == "DEMO_2.0"
    assert s["demo_fast"].node == "DEMO_2.0" and s["demo_fast"].only == ("x86_64",)
    assert c.ancestors("DEMO_2.0") == ("DEMO_2.0", "DEMO_1.1", "DEMO_1.0")


@pytest.mark.parametrize(("target", "expected"), [
    ("linux-x86_64", {"demo_add", "demo_banner", "demo_scale", "demo_level", "demo_posix", "demo_fast", "demo_mul"}),
    ("linux-aarch64", {"demo_add", "demo_banner", "demo_scale", "demo_level", "demo_posix", "demo_mul"}),
    ("macos-aarch64", {"demo_add", "demo_banner", "demo_scale", "demo_level", "demo_posix", "demo_mul"}),
    ("windows-x86_64", {"demo_add", "demo_banner", "demo_scale", "demo_level", "demo_win_hook", "demo_fast",
                        "demo_mul"}),
])
def test_for_target_applies_conditions_and_drops_removed(target: str, expected: set[str]) -> None:
    os_name, arch = target.split("-")
    assert parse(DEMO_CONTRACT, "d").for_target(target, os_name, arch).names == expected


def test_target_globs_and_except() -> None:
    c = parse("a function only=windows-*\nb function except=linux-aarch64,macos\nc function only=arm64\n", "g")
    assert c.by_name()["c"].only == ("aarch64",)  # arch synonyms are normalised
    assert c.for_target("windows-x86", "windows", "x86").names == {"a", "b"}
    assert c.for_target("linux-aarch64", "linux", "aarch64").names == {"c"}
    assert c.for_target("macos-aarch64", "macos", "aarch64").names == {"c"}
    assert c.for_target("linux-x86_64", "linux", "x86_64").names == {"b"}


def test_parent_may_come_after_child_and_maps_order_parents_first() -> None:
    c = parse("[V2] inherits V1\nb function\n[V1]\na function\n", "f")
    assert [n.name for n in c.ordered_nodes()] == ["V1", "V2"]


#: (file text, every error line) for each malformed case; the CLI test runs the same table.
MALFORMED: list[tuple[str, list[str]]] = [
    ("a function\na data\n", ["bad.symbols:2:1: name: duplicate symbol 'a' (first on line 1)"]),
    ("9lives function\n", ["bad.symbols:1:1: name: invalid symbol name '9lives' (a C identifier is expected)"]),
    ("foo-bar function\n", ["bad.symbols:1:1: name: invalid symbol name 'foo-bar' (a C identifier is expected)"]),
    ("a\n", ["bad.symbols:1:2: kind: symbol 'a' needs a kind: function or data"]),
    ("a fucntion\n", ["bad.symbols:1:3: kind: unknown kind 'fucntion' (did you mean 'function'?)"]),
    ("[GREET_1.0]\na function\n[GREET_1.1] inherits GREET_1.O\nb function\n",
     ["bad.symbols:3:22: inherits: unknown parent node 'GREET_1.O' (did you mean 'GREET_1.0'?)"]),
    ("[A] inherits B\na function\n[B] inherits A\nb function\n",
     ["bad.symbols:1:14: inherits: version node cycle: A -> B -> A"]),
    ("[A] inherits A\na function\n", ["bad.symbols:1:14: inherits: version node cycle: A -> A"]),
    ("[A]\n[A]\n", ["bad.symbols:2:2: node: version node 'A' declared twice (first on line 1)"]),
    ("[1.0]\n", ["bad.symbols:1:2: node: invalid version node name '1.0'"]),
    ("[A\n", ["bad.symbols:1:1: node: expected '[NODE]' or '[NODE] inherits PARENT'"]),
    ("a function only=linx\n", ["bad.symbols:1:12: only: unknown platform 'linx' in only=linx "
                                "(did you mean 'linux'?)"]),
    ("a function except=windows,solaris\n",
     ["bad.symbols:1:12: except: unknown platform 'solaris' in except=windows,solaris"]),
    ("a function ordinal=0\n", ["bad.symbols:1:12: ordinal: ordinal must be 1..65535, got '0'"]),
    ("a function ordinal=70000\n", ["bad.symbols:1:12: ordinal: ordinal must be 1..65535, got '70000'"]),
    ("a function ordinal=x1\n", ["bad.symbols:1:12: ordinal: ordinal must be 1..65535, got 'x1'"]),
    ("a function ordinal=3\nb function ordinal=3\n",
     ["bad.symbols:2:12: ordinal: ordinal 3 already used by 'a' (line 1)"]),
    ("[V1]\na function ordinal=3 removed=V2\n[V2] inherits V1\nb function ordinal=3\n",
     ["bad.symbols:4:12: ordinal: ordinal 3 already used by 'a' (line 2)"]),  # a removed symbol keeps its ordinal
    ("a function noname\n", ["bad.symbols:1:12: noname: 'noname' needs an ordinal: write ordinal=N before it "
                             "(a symbol exported without a name is found by its ordinal only)"]),
    ("a function noname=1 ordinal=2\n", ["bad.symbols:1:12: noname: unknown attribute 'noname=1' "
                                         "('noname' takes no value)"]),
    ("a function ordnial=3\n", ["bad.symbols:1:12: ordnial: unknown attribute 'ordnial=3' "
                                "(did you mean 'ordinal'?)"]),
    ("a function only=linux only=macos\n", ["bad.symbols:1:23: only: attribute 'only' given twice"]),
    ("a function only=\n", ["bad.symbols:1:12: only: unknown attribute 'only=' ('only' needs a value)"]),
    ("a function\n[V1]\nb function\n",
     ["bad.symbols:1:1: node: symbol 'a' has no version node, but this file uses nodes "
      "(move it below '[V1]' on line 2)"]),
    ("[V1]\na function removed=V9\n", ["bad.symbols:2:12: removed: removed=V9: unknown version node"]),
    ("[V1]\n[V2] inherits V1\na function deprecated=V1\n",
     ["bad.symbols:3:12: deprecated: deprecated=V1: must name a node that inherits from 'V2', "
      "the node that introduced 'a'"]),
    ("[V1]\na function removed=V1\n",
     ["bad.symbols:2:12: removed: removed=V1: must name a node that inherits from 'V1', "
      "the node that introduced 'a'"]),
    ("[V1]\na function deprecated=V3 removed=V2\n[V2] inherits V1\n[V3] inherits V2\n",
     ["bad.symbols:2:26: removed: removed=V2 must come after deprecated=V3"]),
    ("a function\nversion 1\n", ["bad.symbols:2:1: version: 'version' must be the first statement, once"]),
    ("version 2\n", ["bad.symbols:1:9: version: unsupported format version (this plugsmith reads (1,))"]),
]


@pytest.mark.parametrize(("text", "expected"), MALFORMED)
def test_malformed_contract(text: str, expected: list[str]) -> None:
    assert errors_of(text) == expected


def test_all_errors_are_reported_together_in_line_order() -> None:
    lines = errors_of("[B] inherits Q\nx function only=linx\nx function\n1x data\n")
    assert [line.split(": ")[0] for line in lines] == ["bad.symbols:1:14", "bad.symbols:2:12", "bad.symbols:4:1"]


def test_error_carries_a_caret_under_the_bad_token() -> None:
    with pytest.raises(ConfigError) as info:
        parse("a function ordinal=zz\n", "bad.symbols")
    assert info.value.errors[0].details == "\n    a function ordinal=zz\n               ^"


def test_text_round_trip() -> None:
    c = parse(DEMO_CONTRACT, "demo.symbols")
    again = parse(dump(c), "demo.symbols")
    assert [(n.name, n.parent) for n in again.nodes] == [(n.name, n.parent) for n in c.nodes]
    strip = lambda contract: [(s.name, s.kind, s.node, s.only, s.exclude, s.ordinal, s.noname, s.deprecated,  # noqa: E731
                               s.removed) for s in contract.symbols]
    assert strip(again) == strip(c)


def test_json_round_trip_and_shape() -> None:
    c = parse(DEMO_CONTRACT, "demo.symbols")
    data = json.loads(json.dumps(to_data(c)))
    assert data["version"] == 1
    assert data["symbols"][-1] == {"name": "demo_mul", "kind": "function", "node": "DEMO_2.0", "only": [],
                                   "except": [], "ordinal": None, "noname": False, "deprecated": None,
                                   "removed": None}
    assert to_data(from_data(data, "demo.symbols")) == to_data(c)


def test_json_form_is_validated_like_text() -> None:
    data = to_data(parse("a function ordinal=1\n", "x"))
    data["symbols"].append(dict(data["symbols"][0], name="b"))
    with pytest.raises(ConfigError, match="ordinal 1 already used by 'a'"):
        from_data(data, "x.json")
    with pytest.raises(ConfigError, match="not a plugsmith contract"):
        from_data({"symbols": []}, "x.json")
