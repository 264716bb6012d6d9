"""The hostile config and contract corpus, generated: every case a project with one bad file.

Classes (``CLASSES`` counts them): yaml-tags, yaml-values, yaml-structure (aliases, nesting,
syntax, encoding, size), config-fields (wrong types, unknown keys, targets), config-paths
(outside the project, files for folders, a source twice), contract-text (line ends, BOM,
digits, encoding), contract-rules (names, keywords, conditions, globs, ordinals, nodes).
"""

from __future__ import annotations

from collections import Counter

from hostile_helpers import CONTRACT, Case, config, project

M = "build_matrix.yaml"
C = "hp.symbols"


def _yaml_tags() -> list[Case]:
    tags = {
        "env": ("!env HOME", "YAML tag '!env' is not supported"),
        "python-object": ("!!python/object:os.system x", "YAML tag '!!python/object:os.system' is not supported"),
        "python-name": ("!!python/name:os.system ''", "YAML tag '!!python/name:os.system' is not supported"),
        "python-apply": ("!!python/object/apply:os.system [ls]", "is not supported"),
        "binary": ("!!binary AAAA", "YAML tag '!!binary' is not supported"),
        "custom": ("!custom x", "YAML tag '!custom' is not supported"),
        "verbatim": ("!<tag:example.com,2000:x> y", "YAML tag 'tag:example.com,2000:x' is not supported"),
        "set": ("!!set {a: null}", "YAML tag '!!set' is not supported"),
        "omap": ("!!omap [a: 1]", "YAML tag '!!omap' is not supported"),
        "pairs": ("!!pairs [a: 1]", "YAML tag '!!pairs' is not supported"),
        "int-abc": ("!!int abc", "'abc' is not an integer"),
        "int-under": ("!!int 1_0x", "'1_0x' is not an integer"),
        "bool-maybe": ("!!bool maybe", "'maybe' is not a boolean"),
        "float-x": ("!!float x", "'x' is not a number"),
        "null-foo": ("!!null foo", ""),
    }
    cases = []
    for tag_id, (value, message) in tags.items():
        for where, text, loc in (
            ("project", config(project=value), f"{M}:2:10: project"),
            ("name", config(name=value), f"{M}:4:11: plugins[0].name"),
            ("dist", config(top_extra=f"dist: {value}\n"), f"{M}:8:7: dist"),
        ):
            if tag_id == "null-foo":  # any text is null for the null tag: then the field's type is wrong
                message = "expected a non-empty string, got nothing"
            cases.append(Case(f"yaml-tags/{tag_id}@{where}", project(**{M: text}), where=loc, message=message))
    return cases


def _yaml_values() -> list[Case]:
    big = "9" * 5000
    cases = [
        Case("yaml-values/date-is-text", project(**{M: config(project="2020-13-45")}), exit=0),
        Case("yaml-values/timestamp-tag-is-text", project(**{M: config(project="!!timestamp 2020-13-45")}), exit=0),
        Case("yaml-values/valid-date", project(**{M: config(project="2020-01-01")}), exit=0),
        Case("yaml-values/int-5000-digits", project(**{M: config(top_extra=f"step_timeout: !!int {big}\n")}),
             where=f"{M}:8:15: step_timeout", message="is not an integer"),
        Case("yaml-values/float-inf", project(**{M: config(top_extra="step_timeout: .inf\n")}),
             where=f"{M}:8:15: step_timeout", message="expected a number of seconds above 0"),
        Case("yaml-values/float-nan", project(**{M: config(top_extra="step_timeout: .nan\n")}),
             where=f"{M}:8:15: step_timeout", message="expected a number of seconds above 0"),
        Case("yaml-values/project-inf", project(**{M: config(project=".inf")}),
             where=f"{M}:2:10: project", message="expected a non-empty string, got a number"),
        Case("yaml-values/project-huge-int", project(**{M: config(project=big)}),
             where=f"{M}:2:10: project", message="is not an integer"),
    ]
    for value, message in (("1.0", "unsupported version 1.0"), ("'1'", "unsupported version '1'"),
                           ("true", "unsupported version True"), ("2", "unsupported version 2"),
                           ("[1]", "unsupported version [1]"), ("0x1", "unsupported version 1"),
                           ("1e0", "unsupported version '1e0'"), ("{}", "unsupported version {}")):
        if value == "0x1":  # YAML 1.1 hex: the integer 1, which is fine
            cases.append(Case("yaml-values/version-hex", project(**{M: config(version=value)}), exit=0))
            continue
        cases.append(Case(f"yaml-values/version-{value}", project(**{M: config(version=value)}),
                          where=f"{M}:1:10: version", message=message))
    return cases


def _yaml_structure() -> list[Case]:
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9))
    cases = [
        Case("yaml-structure/recursive-list", project(**{M: config() + "x: &a [*a]\n"}),
             where=f"{M}:8:4: x[0]", message="a cycle"),
        Case("yaml-structure/recursive-map", project(**{M: config() + "x: &a {k: *a}\n"}),
             where=f"{M}:8:4: x.k", message="a cycle"),
        Case("yaml-structure/recursive-deep", project(**{M: config() + "x: &a [[[[*a]]]]\n"}),
             where=f"{M}:8:4: x[0][0][0][0]", message="a cycle"),
        Case("yaml-structure/billion-laughs", project(**{M: config() + laughs}), where=None,
             message="more than 200000 values once aliases are expanded"),
        Case("yaml-structure/alias-count", project(**{M: config() + "a: &a x\nb: [" + ", ".join(["*a"] * 300) + "]\n"}),
             where=f"{M}:9:805", message="more than 200 aliases"),
        Case("yaml-structure/merge-key", project(**{M: config() + "base: &b {x: 1}\nother:\n  <<: *b\n"}),
             where=f"{M}:10:3", message="merge keys ('<<') are not supported"),
        Case("yaml-structure/unknown-alias", project(**{M: config() + "x: *nothere\n"}),
             where=f"{M}:8:4", message="invalid YAML: found undefined alias 'nothere'"),
    ]
    for n in (65, 100, 1000, 5000, 100_000):
        lists = config() + "x: " + "[" * n + "]" * n + "\n"
        maps = config() + "x: " + "{a: " * n + "1" + "}" * n + "\n"
        cases.append(Case(f"yaml-structure/flow-lists-{n}", project(**{M: lists}), where=f"{M}:8:67",
                          message="nested deeper than 64 levels"))
        cases.append(Case(f"yaml-structure/flow-maps-{n}", project(**{M: maps}), where=f"{M}:8:253",
                          message="nested deeper than 64 levels"))
    block = "".join("  " * i + f"k{i}:\n" for i in range(100)) + "  " * 100 + "v\n"
    cases.append(Case("yaml-structure/block-nesting-100", project(**{M: config() + block}), where=f"{M}:71:127",
                      message="nested deeper than 64 levels"))
    syntax = {
        "tab-indent": (config() + "x:\n\t- y\n", f"{M}:9:1", "invalid YAML: found character '\\t' that cannot start"),
        "unclosed-quote": (config(project="'abc"), f"{M}:8:1", "invalid YAML: found unexpected end of stream"),
        "unclosed-bracket": (config(sources="[src/hp.c"), f"{M}:6:13", "invalid YAML: expected ',' or ']'"),
        "bad-indent": (config() + "  x: 1\n y: 2\n", f"{M}:8:3", "invalid YAML: expected <block end>"),
        "two-documents": (config() + "---\nversion: 1\n", f"{M}:8:1", "invalid YAML: but found another document"),
        "control-char": (config(project="a\x01b"), f"{M}:2:11", "character U+0001 is not allowed"),
        "nul": (config(project="a\x00b"), f"{M}:2:11", "character U+0000 is not allowed"),
        "duplicate-top": (config() + "project: again\n", f"{M}:8:1: project", "duplicate key 'project'"),
        "duplicate-nested": (config(plugin_extra="    name: again\n"), f"{M}:7:5: plugins[0].name",
                             "duplicate key 'name'"),
        "list-key": (config() + "[a, b]: 1\n", f"{M}:8:1", "keys must be strings, got a list"),
        "int-key": (config() + "1: x\n", f"{M}:8:1", "keys must be strings, got 1"),
        "null-key": (config() + "~: x\n", f"{M}:8:1", "keys must be strings, got None"),
        "top-list": ("- a\n- b\n", f"{M}:1:1", "expected a mapping, got a list"),
        "top-scalar": ("just text\n", f"{M}:1:1", "expected a mapping, got a string"),
        "empty-file": ("", None, "missing 'version: 1'"),
        "only-comments": ("# nothing\n# here\n", None, "missing 'version: 1'"),
        "directive": ("%YAML 1.1\n%FOO bar\n--- \n" + config(), None, ""),
        "bare-anchor": (config() + "x: &a\n", None, ""),
    }
    for name, (text, where, message) in syntax.items():
        expect_ok = name in ("directive", "bare-anchor")
        cases.append(Case(f"yaml-structure/{name}", project(**{M: text}), where=where, message=message,
                          exit=2 if not expect_ok or name == "bare-anchor" else 0))
    encoding = {
        "latin1-bytes": (config(project="caf\xe9"), f"{M}:2:13", "not UTF-8 text: byte 0xe9"),
        "utf16": ("\xff\xfe" + "".join(ch + "\x00" for ch in config()), f"{M}:1:1", "not UTF-8 text: byte 0xff"),
        "bom-ok": ("\xef\xbb\xbf" + config(), None, ""),
        "overlong-nul": (config(project="a\xc0\x80"), f"{M}:2:11", "not UTF-8 text: byte 0xc0"),
        "surrogate-bytes": (config(project="a\xed\xa0\x80"), f"{M}:2:11", "not UTF-8 text: byte 0xed"),
    }
    for name, (text, where, message) in encoding.items():
        cases.append(Case(f"yaml-structure/{name}", project(**{M: text}), where=where, message=message,
                          exit=0 if name == "bom-ok" else 2, binary=(M,)))
    cases.append(Case("yaml-structure/over-2MiB", project(**{M: config() + "#" + "x" * (2 * 1024 * 1024) + "\n"}),
                      where=M, message="file is larger than 2097152 bytes"))
    cases.append(Case("yaml-structure/long-key", project(**{M: config() + "k" * 100_000 + ": 1\n"}),
                      where=f"{M}:8:100001", message="invalid YAML: could not find expected ':'"))
    return cases


def _config_fields() -> list[Case]:
    p = f"{M}:"
    cases = [
        Case("fields/project-list", project(**{M: config(project="[a]")}), where=f"{p}2:10: project",
             message="expected a non-empty string, got a list"),
        Case("fields/plugins-map", project(**{M: "version: 1\nplugins: {a: 1}\n"}), where=f"{p}2:10: plugins",
             message="expected a non-empty list of plugins, got a mapping"),
        Case("fields/plugins-empty", project(**{M: "version: 1\nplugins: []\n"}), where=f"{p}2:10: plugins",
             message="expected a non-empty list of plugins"),
        Case("fields/no-plugins", project(**{M: "version: 1\n"}), where=f"{p}1:1", message="missing 'plugins'"),
        Case("fields/plugin-scalar", project(**{M: "version: 1\nplugins: [x]\n"}), where=f"{p}2:11: plugins[0]",
             message="expected a mapping, got a string"),
        Case("fields/unknown-top", project(**{M: config(top_extra="dsit: out\n")}), where=f"{p}8:1: dsit",
             message="unknown key 'dsit' (did you mean 'dist'?)"),
        Case("fields/unknown-plugin-key", project(**{M: config(plugin_extra="    sorces: [a.c]\n")}),
             where=f"{p}7:5: plugins[0].sorces", message="unknown key 'sorces'"),
        Case("fields/bad-name", project(**{M: config(name="'a b'")}), where=f"{p}4:11: plugins[0].name",
             message="invalid plugin name 'a b'"),
        Case("fields/language", project(**{M: config(plugin_extra="    language: rust\n")}),
             where=f"{p}7:15: plugins[0].language", message="unknown language 'rust'"),
        Case("fields/sources-number", project(**{M: config(sources="5")}), where=f"{p}5:14: plugins[0].sources",
             message="expected a list of strings, got a number"),
        Case("fields/sources-empty", project(**{M: config(sources="[]")}), where=f"{p}5:14: plugins[0].sources",
             message="a plugin needs at least one source file"),
        Case("fields/source-missing", project(**{M: config(sources="[src/nope.c]")}),
             where=f"{p}5:15: plugins[0].sources[0]", message="file not found: src/nope.c"),
        Case("fields/contract-number", project(**{M: config(contract="5")}), where=f"{p}6:15: plugins[0].contract",
             message="expected a non-empty string, got a number"),
        Case("fields/contract-missing", project(**{M: config(contract="nope.symbols")}),
             where=f"{p}6:15: plugins[0].contract", message="file not found: nope.symbols"),
        Case("fields/lone-Wl", project(**{M: config(plugin_extra="    ldflags: [-Wl, --gc-sections]\n")}),
             where=f"{p}7:15: plugins[0].ldflags[0]", message="'-Wl' alone is not a flag"),
        Case("fields/targets-empty", project(**{M: config(targets="[]")}), where=f"{p}7:10: targets",
             message="expected a non-empty list of targets"),
        Case("fields/target-unknown", project(**{M: config(targets="[linux-sparc]")}), where=f"{p}7:11: targets[0]",
             message="unknown target 'linux-sparc'"),
        Case("fields/target-os", project(**{M: config(targets="[{os: linx, arch: x86_64}]")}),
             where=f"{p}7:16: targets[0].os", message="unknown os 'linx'"),
        Case("fields/target-arch", project(**{M: config(targets="[{os: linux, arch: sparc}]")}),
             where=f"{p}7:29: targets[0].arch", message="unknown arch 'sparc' for linux"),
        Case("fields/glibc-float", project(**{M: config(targets="[{os: linux, arch: x86_64, glibc: 2.28}]")}),
             where=f"{p}7:44: targets[0].glibc", message="expected a version string like"),
        Case("fields/min-os-linux", project(**{M: config(targets="[{os: linux, arch: x86_64, min_os: '11.0'}]")}),
             where=f"{p}7:45: targets[0].min_os", message="min_os applies to macos targets only"),
        Case("fields/duplicate-target", project(**{M: config(targets="[linux-x86_64, linux-x86_64]")}),
             where=f"{p}7:25: targets[1]", message="duplicate target 'linux-x86_64'"),
        Case("fields/exclude-all", project(**{M: config(top_extra="exclude: ['*']\n")}), where=f"{p}8:10: exclude",
             message="every target is excluded"),
        Case("fields/exclude-nothing", project(**{M: config(top_extra="exclude: [windows-*]\n")}),
             where=f"{p}8:11: exclude[0]", message="exclude 'windows-*' matches no target"),
        Case("fields/override-select", project(**{M: config(top_extra="overrides:\n  - select: macos-*\n")}),
             where=f"{p}9:13: overrides[0].select", message="select 'macos-*' matches no target"),
        Case("fields/override-inherit", project(**{M: config(top_extra="overrides:\n  - select: linux-*\n"
                                                                       "    inherit: merge\n")}),
             where=f"{p}10:14: overrides[0].inherit", message="unknown inherit rule 'merge'"),
        Case("fields/step-timeout-zero", project(**{M: config(top_extra="step_timeout: 0\n")}),
             where=f"{p}8:15: step_timeout", message="expected a number of seconds above 0, got a number"),
        Case("fields/step-timeout-negative", project(**{M: config(top_extra="step_timeout: -5\n")}),
             where=f"{p}8:15: step_timeout", message="expected a number of seconds above 0"),
        Case("fields/step-timeout-text", project(**{M: config(top_extra="step_timeout: soon\n")}),
             where=f"{p}8:15: step_timeout", message="got a string"),
        Case("fields/step-timeout-bool", project(**{M: config(top_extra="step_timeout: true\n")}),
             where=f"{p}8:15: step_timeout", message="got a boolean"),
        Case("fields/step-timeout-ok", project(**{M: config(top_extra="step_timeout: 0.5\n")}), exit=0),
        Case("fields/allow-outside-number", project(**{M: config(top_extra="allow_outside: 5\n")}),
             where=f"{p}8:16: allow_outside", message="expected a list of strings, got a number"),
        Case("fields/zig-cache-list", project(**{M: config(top_extra="zig_cache: [a]\n")}),
             where=f"{p}8:12: zig_cache", message="expected a non-empty string, got a list"),
    ]
    return cases


def _config_paths() -> list[Case]:
    p = f"{M}:"
    outside = "is outside the project folder"
    cases = [
        Case("paths/dist-up", project(**{M: config(top_extra="dist: ../elsewhere\n")}), where=f"{p}8:7: dist",
             message=f"'../elsewhere' {outside}"),
        Case("paths/dist-absolute", project(**{M: config(top_extra="dist: /tmp/plugsmith-hostile-dist\n")}),
             where=f"{p}8:7: dist", message=outside),
        Case("paths/dist-sneaky", project(**{M: config(top_extra="dist: out/../../x\n")}), where=f"{p}8:7: dist",
             message=outside),
        Case("paths/dist-is-file", project(**{M: config(top_extra="dist: notes.txt\n"), "notes.txt": "x\n"}),
             where=f"{p}8:7: dist", message="'notes.txt' must be a folder, but"),
        Case("paths/dist-under-file", project(**{M: config(top_extra="dist: notes.txt/out\n"), "notes.txt": "x\n"}),
             where=f"{p}8:7: dist", message="must be a folder, but"),
        Case("paths/dist-root", project(**{M: config(top_extra="dist: .\n")}), where=f"{p}8:7: dist",
             message="is the project folder itself"),
        Case("paths/build-dir-is-file", project(**{M: config(top_extra="build_dir: hp.symbols\n")}),
             where=f"{p}8:12: build_dir", message="'hp.symbols' must be a folder, but"),
        Case("paths/build-dir-up", project(**{M: config(top_extra="build_dir: ../b\n")}),
             where=f"{p}8:12: build_dir", message=outside),
        Case("paths/contract-passwd", project(**{M: config(contract="../../../../../../../etc/passwd")}),
             where=f"{p}6:15: plugins[0].contract", message=outside),
        Case("paths/contract-absolute", project(**{M: config(contract="/etc/passwd")}),
             where=f"{p}6:15: plugins[0].contract", message="'/etc/passwd' " + outside),
        Case("paths/source-up", project(**{M: config(sources="[../x.c]")}),
             where=f"{p}5:15: plugins[0].sources[0]", message=outside),
        Case("paths/include-up", project(**{M: config(plugin_extra="    include_dirs: [../inc]\n")}),
             where=f"{p}7:20: plugins[0].include_dirs[0]", message=outside),
        Case("paths/source-twice", project(**{M: config(sources="[src/hp.c, src/hp.c]")}),
             where=f"{p}5:25: plugins[0].sources[1]", message="source listed twice (also at index 0)"),
        Case("paths/source-twice-spelled", project(**{M: config(sources="[src/hp.c, ./src/../src/hp.c]")}),
             where=f"{p}5:25: plugins[0].sources[1]", message="source listed twice"),
        Case("paths/source-is-folder", project(**{M: config(sources="[src]")}),
             where=f"{p}5:15: plugins[0].sources[0]", message="file not found: src"),
        Case("paths/contract-is-folder", project(**{M: config(contract="src")}),
             where=f"{p}6:15: plugins[0].contract", message="file not found: src"),
        Case("paths/source-newline", project(**{M: config(sources='["src/a\\nb.c"]')}),
             where=f"{p}5:15: plugins[0].sources[0]", message="file not found: src/a\\x0ab.c"),
        Case("paths/source-100k", project(**{M: config(sources='["' + "s" * 100_000 + '.c"]')}),
             where=f"{p}5:15: plugins[0].sources[0]", message="... (100065 characters)"),
        Case("paths/quoted-key-100k", project(**{M: config(top_extra='"' + "k" * 100_000 + '": 1\n')}),
             where=f"{p}8:100003", message="invalid YAML: could not find expected ':'"),
        Case("paths/key-1000", project(**{M: config(top_extra="k" * 1000 + ": 1\n")}),
             where=None, message=f"{p}8:1: " + "k" * 400),
        Case("paths/dist-allowed", project(**{M: config(top_extra="dist: ../elsewhere/dist\n"
                                                                  "allow_outside: [../elsewhere]\n")}), exit=0),
        Case("paths/allowed-other-folder", project(**{M: config(top_extra="dist: ../elsewhere/dist\n"
                                                                          "allow_outside: [../other]\n")}),
             where=f"{p}8:7: dist", message=outside),
    ]
    return cases


def _contract(text: str) -> dict[str, str]:
    return project(**{C: text})


def _contract_text() -> list[Case]:
    cases = []
    for name, sep in (("form-feed", "\x0c"), ("vertical-tab", "\x0b"), ("nel", "\x85"), ("line-sep", "\u2028"),
                      ("para-sep", "\u2029"), ("file-sep", "\x1c"), ("group-sep", "\x1d"), ("record-sep", "\x1e"),
                      ("lone-cr", "\r")):
        text = f"version 1\n# a comment{sep}with a break\nhp_add function\nhp_value functio\n"
        cases.append(Case(f"contract-text/{name}-in-comment", _contract(text), where=f"{C}:4:10: kind",
                          message="unknown kind 'functio'"))
    cases += [
        Case("contract-text/crlf", _contract(CONTRACT.replace("\n", "\r\n")), exit=0),
        Case("contract-text/crlf-error-line", _contract("version 1\r\nhp_add function\r\nhp_value functio\r\n"),
             where=f"{C}:3:10: kind", message="unknown kind 'functio'"),
        Case("contract-text/bom", _contract("\ufeff" + CONTRACT), exit=0),
        Case("contract-text/bom-twice", _contract("\ufeff\ufeff" + CONTRACT), where=f"{C}:1:1: name",
             message="invalid symbol name '\\ufeffversion'"),
        Case("contract-text/bom-mid", _contract("version 1\n\ufeffhp_add function\nhp_value data\n"),
             where=f"{C}:2:1: name", message="invalid symbol name '\\ufeffhp_add'"),
        Case("contract-text/no-final-newline", _contract(CONTRACT.rstrip("\n")), exit=0),
        Case("contract-text/latin1", project(**{C: "version 1\nhp_add function # caf\xe9\nhp_value data\n"}),
             where=f"{C}:2:22", message="not UTF-8 text: byte 0xe9", binary=(C,)),
        Case("contract-text/nul", _contract("version 1\nhp_add\x00 function\nhp_value data\n"),
             where=f"{C}:2:1: name", message="invalid symbol name 'hp_add\\x00'"),
        Case("contract-text/nbsp-separator", _contract("version 1\nhp_add\xa0function\nhp_value data\n"),
             where=f"{C}:2:1: name", message="invalid symbol name"),
        Case("contract-text/ideographic-space", _contract("version 1\nhp_add\u3000function\nhp_value data\n"),
             where=f"{C}:2:1: name", message="invalid symbol name"),
        Case("contract-text/zero-width", _contract("version 1\nhp_\u200badd function\nhp_value data\n"),
             where=f"{C}:2:1: name", message="invalid symbol name 'hp_\\u200badd'"),
        Case("contract-text/huge-comment", _contract("version 1\n#" + "x" * 20_000_000 + "\n" + CONTRACT[10:]),
             exit=0),
        Case("contract-text/huge-token", _contract("version 1\n" + "-" * 5_000_000 + " function\n" + CONTRACT[10:]),
             where=f"{C}:2:1: name", message="(5000000 characters)"),
        Case("contract-text/huge-name", _contract("version 1\n" + "a" * 5000 + " function\n" + CONTRACT[10:]),
             where=f"{C}:2:1: name", message="symbol name of 5000 characters (at most 1024)"),
        Case("contract-text/many-errors", _contract("version 1\n" + "bad-name function\n" * 50_000 + CONTRACT[10:]),
             where=f"{C}:2:1: name", message="invalid symbol name 'bad-name'"),
    ]
    for name, digits in (("superscript-two", "\u00b2"), ("arabic-indic-12", "\u0661\u0662"),
                         ("fullwidth-3", "\uff13"), ("devanagari-5", "\u096b"), ("bengali-7", "\u09ed"),
                         ("mathematical-bold-1", "\U0001d7cf"), ("circled-1", "\u2460"), ("roman-2", "\u2161")):
        cases.append(Case(f"contract-text/ordinal-{name}", _contract(f"version 1\nhp_add function ordinal={digits}\n"
                                                                     "hp_value data\n"),
                          where=f"{C}:2:17: ordinal", message="ordinal must be 1..65535"))
    cases.append(Case("contract-text/version-arabic", _contract("version \u0661\nhp_add function\nhp_value data\n"),
                      where=f"{C}:1:9: version", message="unsupported format version"))
    return cases


def _contract_rules() -> list[Case]:
    head = "version 1\nhp_value data\n"

    def sym(line: str) -> dict[str, str]:
        return _contract(head + line + "\n")

    cases = [
        Case("contract-rules/empty-file", _contract(""), where=f"{C}:1:1: name", message="declares no symbols"),
        Case("contract-rules/version-only", _contract("version 1\n"), where=f"{C}:1:1: name",
             message="declares no symbols"),
        Case("contract-rules/comments-only", _contract("# nothing\n\n   \n"), where=f"{C}:1:1: name",
             message="declares no symbols"),
        Case("contract-rules/nodes-only", _contract("version 1\n[A_1]\n[A_2] inherits A_1\n"),
             where=f"{C}:1:1: name", message="declares no symbols"),
    ]
    for kw in ("int", "_Bool", "while", "alignas", "typeof", "static_assert", "return"):
        cases.append(Case(f"contract-rules/keyword-{kw}", sym(f"{kw} function"), where=f"{C}:3:1: name",
                          message=f"symbol name '{kw}' is a C keyword"))
    cxx = config(plugin_extra="    language: c++\n")
    for kw in ("delete", "class", "typename", "and", "new", "co_await"):
        cases.append(Case(f"contract-rules/cxx-keyword-{kw}", project(**{M: cxx, C: head + f"{kw} function\n"}),
                          where=f"{C}:3:1: name", message=f"symbol name '{kw}' is a C++ keyword"))
        cases.append(Case(f"contract-rules/cxx-keyword-in-c-{kw}", sym(f"{kw} function"), exit=0))
    for name in ("1abc", "a-b", "caf\u00e9", "a.b", "a$b"):
        cases.append(Case(f"contract-rules/name-{name.encode('unicode_escape').decode()}", sym(f"{name} function"),
                          where=f"{C}:3:1: name", message="invalid symbol name"))
    conditions = {
        "only-except-same": ("only=linux except=linux", "except", 28, "leave no target"),
        "pair-except-os": ("only=windows-x86_64 except=windows", "except", 37, "leave no target"),
        "arch-except-arch": ("only=aarch64 except=arm64", "except", 30, "leave no target"),
        "os-except-glob": ("only=macos except=macos-*", "except", 28, "leave no target"),
        "two-os-except-both": ("only=linux,macos except=linux,macos", "except", 34, "leave no target"),
        "glob-typo": ("only=lnux*", "only", 17, "glob 'lnux*' matches no target"),
        "glob-unclosed": ("only=windows-[", "only", 17, "has a '[' that is never closed"),
        "glob-empty-class": ("only=linux-[]", "only", 17, "has a '[' that is never closed"),
        "glob-nothing": ("except=solaris-*", "except", 17, "glob 'solaris-*' matches no target"),
        "unknown-os": ("only=linx", "only", 17, "unknown platform 'linx'"),
        "empty-item": ("only=linux,", "only", 17, "empty platform name"),
    }
    for name, (attrs, field, col, message) in conditions.items():
        cases.append(Case(f"contract-rules/{name}", sym(f"hp_add function {attrs}"), where=f"{C}:3:{col}: {field}",
                          message=message))
    for name, attrs in (("glob-ok", "only=linux-*"), ("glob-custom-name", "only=linux-x86_64-*"),
                        ("only-except-ok", "only=linux except=aarch64"), ("question", "only=linux-x86_6?")):
        cases.append(Case(f"contract-rules/{name}", sym(f"hp_add function {attrs}"), exit=0))
    ordinals = {
        "zero": ("ordinal=0", "ordinal must be 1..65535, got '0'"),
        "too-big": ("ordinal=65536", "ordinal must be 1..65535, got '65536'"),
        "negative": ("ordinal=-1", "ordinal must be 1..65535, got '-1'"),
        "hex": ("ordinal=0x10", "ordinal must be 1..65535, got '0x10'"),
        "exp": ("ordinal=1e3", "ordinal must be 1..65535, got '1e3'"),
        "huge": ("ordinal=" + "9" * 400, "ordinal must be 1..65535"),
        "plus": ("ordinal=+5", "ordinal must be 1..65535, got '+5'"),
    }
    for name, (attrs, message) in ordinals.items():
        cases.append(Case(f"contract-rules/ordinal-{name}", sym(f"hp_add function {attrs}"),
                          where=f"{C}:3:17: ordinal", message=message))
    cases += [
        Case("contract-rules/ordinal-clash", _contract("version 1\nhp_add function ordinal=3\n"
                                                       "hp_value data ordinal=3\n"),
             where=f"{C}:3:15: ordinal", message="ordinal 3 already used by 'hp_add' (line 2)"),
        Case("contract-rules/noname-without-ordinal", sym("hp_add function noname"), where=f"{C}:3:17: noname",
             message="'noname' needs an ordinal"),
        Case("contract-rules/duplicate", _contract(CONTRACT + "hp_add function\n"), where=f"{C}:4:1: name",
             message="duplicate symbol 'hp_add' (first on line 2)"),
        Case("contract-rules/node-cycle", _contract("version 1\n[A] inherits B\nhp_add function\n[B] inherits A\n"
                                                    "hp_value data\n"), where=f"{C}:2:14: inherits",
             message="version node cycle: A -> B -> A"),
        Case("contract-rules/node-self", _contract("version 1\n[A] inherits A\nhp_add function\nhp_value data\n"),
             where=f"{C}:2:14: inherits", message="version node cycle: A -> A"),
        Case("contract-rules/node-unknown-parent", _contract("version 1\n[A] inherits Z\nhp_add function\n"
                                                             "hp_value data\n"), where=f"{C}:2:14: inherits",
             message="unknown parent node 'Z'"),
        Case("contract-rules/node-twice", _contract("version 1\n[A]\nhp_add function\n[A]\nhp_value data\n"),
             where=f"{C}:4:2: node", message="version node 'A' declared twice (first on line 2)"),
        Case("contract-rules/removed-before", _contract("version 1\n[A]\nhp_add function\n[B] inherits A\n"
                                                        "hp_value data removed=A\n"), where=f"{C}:5:15: removed",
             message="removed=A: must name a node that inherits from 'B'"),
        Case("contract-rules/unversioned-in-nodes", _contract("version 1\nhp_add function\n[A]\nhp_value data\n"),
             where=f"{C}:2:1: node", message="symbol 'hp_add' has no version node"),
        Case("contract-rules/version-late", _contract("hp_add function\nversion 1\nhp_value data\n"),
             where=f"{C}:2:1: version", message="'version' must be the first statement, once"),
        Case("contract-rules/kind-missing", sym("hp_add"), where=f"{C}:3:7: kind", message="needs a kind"),
        Case("contract-rules/attribute-typo", sym("hp_add function ordnal=3"), where=f"{C}:3:17: ordnal",
             message="unknown attribute 'ordnal=3' (did you mean 'ordinal'?)"),
    ]
    return cases


def cases() -> list[Case]:
    return [*_yaml_tags(), *_yaml_values(), *_yaml_structure(), *_config_fields(), *_config_paths(),
            *_contract_text(), *_contract_rules()]


CLASSES = Counter(c.id.split("/", 1)[0] for c in cases())
