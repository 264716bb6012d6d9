"""plugsmith init writes the repository's own example layout, and the result builds and verifies."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests.conftest import REPO, Cli, tree

SHARED = ["build_matrix.yaml", "ci/github-actions.yml", "ci/gitlab-ci.yml", "noxfile.py", "plugins/greet/greet.c",
          "plugins/greet/include/greet.h", "plugins/greet/util.c", "plugins/greet/util.h", "symbols/greet.symbols",
          "toolchains/README.md"]
PIN_HEADER = ("# Where this project's noxfile, CI workflows and action install plugsmith from (a pip requirements\n"
              "# file; $PLUGSMITH_SPEC overrides it). Pin a commit or a path you control, not a name on an index.\n")


def test_init_greet_reproduces_the_repository_example(tmp_path: Path, cli: Cli) -> None:
    res = cli("init", str(tmp_path / "p"), "--name", "greet")
    assert res.code == 0, res.err
    written = tree(tmp_path / "p")
    assert written == sorted([*SHARED, ".gitignore", "plugsmith-requirements.txt", "tests/test_greet.py"])
    for rel in SHARED:
        assert (tmp_path / "p" / rel).read_text() == (REPO / rel).read_text(), (
            f"{rel} differs from the template: run scripts/sync-templates")


@pytest.mark.slow  # builds three targets
def test_new_project_builds_and_verifies(tmp_path: Path, cli: Cli) -> None:
    folder = tmp_path / "My Filter"
    assert cli("init", str(folder)).code == 0
    assert (folder / "symbols/my_filter.symbols").is_file()
    res = cli("run", "--json", "-t", "linux-x86_64", "-t", "macos-aarch64", "-t", "windows-x86_64", cwd=folder)
    assert res.code == 0, res.err
    report = json.loads(res.out)
    assert report["ok"] is True
    assert {t["target"]: t["exported"] for t in report["targets"]} == {
        target: ["my_filter_add", "my_filter_api_level", "my_filter_banner", "my_filter_scale", "my_filter_version"]
        for target in ("linux-x86_64", "macos-aarch64", "windows-x86_64")}


def test_init_never_overwrites(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "build_matrix.yaml").write_text("mine\n")
    res = cli("init", str(tmp_path), "--name", "x")
    assert res.code == 2
    assert res.err.startswith(f"plugsmith: error: {tmp_path}: would overwrite 1 existing file(s): build_matrix.yaml "
                              "(nothing was written; use --force to overwrite)")
    assert tree(tmp_path) == ["build_matrix.yaml"]
    assert (tmp_path / "build_matrix.yaml").read_text() == "mine\n"


def test_init_rejects_a_bad_name(tmp_path: Path, cli: Cli) -> None:
    res = cli("init", str(tmp_path), "--name", "9-lives")
    assert res.code == 2
    assert "--name '9-lives': a plugin name is a lower-case C identifier" in res.err
    assert tree(tmp_path) == []


def test_new_project_passes_with_libm_calls(tmp_path: Path, cli: Cli) -> None:
    """An unpinned Linux target links against the default glibc pin, which is the policy's ceiling:
    pow() and friends (pow@GLIBC_2.29 on zig's newest glibc) do not fail a fresh project. Without the
    pin (glibc: "2.38"), the same code needs more than the default ceiling allows and the policy says so."""
    folder = tmp_path / "mathy"
    assert cli("init", str(folder)).code == 0
    util = folder / "plugins" / "mathy" / "util.c"
    util.write_text(util.read_text().replace('#include "util.h"\n', '#include "util.h"\n#include <math.h>\n')
                    + "\ndouble util_pow(double x) { return pow(x, 2.5) + exp(x) + log(x); }\n")
    matrix = folder / "build_matrix.yaml"
    matrix.write_text(matrix.read_text().replace("defaults:", "defaults:\n  ldflags: [-lm]", 1))
    res = cli("run", "--json", "-t", "linux-x86_64", "-t", "linux-aarch64", "--expect", "linux-x86_64", cwd=folder)
    assert res.code == 0, res.out + res.err
    data = json.loads(res.out)
    glibc = [(t["target"], c["message"]) for t in data["targets"] for c in t["policy"] if c["name"] == "glibc"]
    assert glibc == [("linux-x86_64", "needs GLIBC_2.2.5, at or below the ceiling 2.17"),
                     ("linux-aarch64", "needs GLIBC_2.17, at or below the ceiling 2.17")]
    # the negative twin: pinned to a new glibc under an explicit 2.17 ceiling, pow@GLIBC_2.29 fails it
    pinned = "  - {os: linux, arch: x86_64, glibc: \"2.38\"}\n"
    matrix.write_text(matrix.read_text().replace("  - linux-x86_64\n", pinned) + "policy:\n  glibc_max: \"2.17\"\n")
    res = cli("run", "--json", "-t", "linux-x86_64-glibc2.38", cwd=folder)
    assert res.code == 1, res.out + res.err
    data = json.loads(res.out)
    assert [(t["target"], c["message"]) for t in data["targets"] for c in t["policy"] if not c["passed"]] == [
        ("linux-x86_64-glibc2.38", "needs GLIBC_2.29, above the ceiling 2.17: it will not load on systems with "
                                   "glibc 2.17")]


def test_init_pins_the_plugsmith_it_runs(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """This test venv holds an editable install of the repository (PEP 610: dir_info), so the pin is its path."""
    monkeypatch.delenv("PLUGSMITH_SPEC", raising=False)
    assert cli("init", str(tmp_path / "p"), "--name", "greet").code == 0
    assert (tmp_path / "p/plugsmith-requirements.txt").read_text() == PIN_HEADER + f"plugsmith @ {REPO.as_uri()}\n"


def test_init_takes_the_pin_from_the_option_or_the_environment(tmp_path: Path, cli: Cli,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    pin = "plugsmith @ git+https://example.org/plugsmith@0123456789abcdef0123456789abcdef01234567"
    assert cli("init", str(tmp_path / "a"), "--name", "greet", "--plugsmith-spec", pin).code == 0
    assert (tmp_path / "a/plugsmith-requirements.txt").read_text() == PIN_HEADER + pin + "\n"
    monkeypatch.setenv("PLUGSMITH_SPEC", "/opt/src/plugsmith")
    assert cli("init", str(tmp_path / "b"), "--name", "greet").code == 0
    assert (tmp_path / "b/plugsmith-requirements.txt").read_text() == PIN_HEADER + "/opt/src/plugsmith\n"


def test_init_rejects_an_empty_pin(tmp_path: Path, cli: Cli) -> None:
    res = cli("init", str(tmp_path / "p"), "--name", "greet", "--plugsmith-spec", " ")
    assert res.code == 2
    assert res.err == ("plugsmith: error: --plugsmith-spec ' ': expected one pip requirement, e.g. "
                       "'plugsmith @ git+https://host/plugsmith@<commit>' or a local path\n")
    assert tree(tmp_path) == []


BY_NAME = re.compile(r"pip3? install[^\n]*\splugsmith(?=\s|$)|\.install\(\s*[\"']plugsmith[\"']", re.MULTILINE)


def test_generated_files_never_install_plugsmith_by_name(tmp_path: Path, cli: Cli) -> None:
    """'pip install plugsmith' needs an index entry that does not exist: every generated file uses the pin."""
    assert cli("init", str(tmp_path / "p"), "--name", "greet").code == 0
    offenders = [rel for rel in tree(tmp_path / "p")
                 if BY_NAME.search((tmp_path / "p" / rel).read_text())]
    assert offenders == []


def test_the_by_name_check_can_fail() -> None:
    assert BY_NAME.search("      - run: pip install plugsmith\n")
    assert BY_NAME.search('    session.install("plugsmith", "pytest")\n')
    assert not BY_NAME.search("      - run: pip install -r plugsmith-requirements.txt\n")
