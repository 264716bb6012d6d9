"""Extension wheels: ``plugsmith wheel`` tags a stable-ABI module's wheel cp3X-abi3 and puts the
module at the top level (no loader); verify accepts a tag that matches the binary and rejects a
py3-none tag, an abi3 tag older than the module's symbols, and a version-specific module in an
abi3 wheel. Built for linux-x86_64 only (fast lane); the six targets are in test_pyext_targets.py."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

from pyext_helpers import extension_project, spam_source
from tests.conftest import Cli

from plugsmith.errors import EXIT_OK, EXIT_USAGE, EXIT_VERIFY_FAILED
from plugsmith.wheel import check_record
from plugsmith.wheel.pack import Member, wheel_bytes, wheel_text, zip_time

UTF8_AND_SIZE = "if (PyUnicode_AsUTF8AndSize(args, NULL) == NULL) return NULL;"


def policy(cli: Cli, *paths: Path) -> tuple[int, dict[str, str]]:
    res = cli("verify", "--json", *map(str, paths))
    targets = json.loads(res.out)["targets"]
    return res.code, {c["name"]: c["message"] for t in targets for c in t["policy"]}


def packed(cli: Cli, root: Path, *, abi3: str = "3.9", body: str = "") -> Path:
    extension_project(root, source=spam_source(body=body), abi3=abi3)
    res = cli("wheel", "--version", "1.0.0", cwd=root)
    assert res.code == EXIT_OK, res.err
    (wheel,) = (root / "dist" / "wheels").iterdir()
    return wheel


def test_the_wheel_is_cp39_abi3_with_the_module_at_the_top(tmp_path: Path, cli: Cli) -> None:
    wheel = packed(cli, tmp_path)
    assert wheel.name == "spam-1.0.0-cp39-abi3-manylinux_2_17_x86_64.whl"
    with zipfile.ZipFile(wheel) as archive:
        assert archive.namelist() == ["spam.abi3.so", "spam-1.0.0.dist-info/METADATA", "spam-1.0.0.dist-info/WHEEL",
                                      "spam-1.0.0.dist-info/RECORD"]
        assert archive.read("spam-1.0.0.dist-info/WHEEL").decode().splitlines()[-1] == \
            "Tag: cp39-abi3-manylinux_2_17_x86_64"
        metadata = archive.read("spam-1.0.0.dist-info/METADATA").decode().splitlines()
        assert archive.read("spam.abi3.so") == (tmp_path / "dist" / "linux-x86_64" / "spam.abi3.so").read_bytes()
    assert "Requires-Python: >=3.9" in metadata
    assert "Summary: CPython extension modules of spam built by plugsmith" in metadata
    assert check_record(wheel) == ()
    code, checks = policy(cli, wheel)
    assert code == EXIT_OK
    assert checks["wheel-tag"] == "x86_64 ELF consistent with manylinux_2_17_x86_64"
    assert checks["stable-abi"].startswith("abi3 for CPython 3.9+: 3 Python symbols, all in")


def test_a_py3_none_tag_on_an_extension_is_rejected(tmp_path: Path, cli: Cli) -> None:
    wheel = packed(cli, tmp_path)
    renamed = wheel.with_name("spam-1.0.0-py3-none-manylinux_2_17_x86_64.whl")
    shutil.copyfile(wheel, renamed)
    code, checks = policy(cli, renamed)
    assert code == EXIT_VERIFY_FAILED
    assert checks["wheel-tag"] == (
        "py3-none wheel holds the CPython extension module spam.abi3.so: it promises any Python, so pip would "
        "install it where the module cannot load (tag it cp3X-abi3 or cp3XY-cp3XY)")


def test_an_abi3_tag_older_than_the_modules_symbols_is_rejected(tmp_path: Path, cli: Cli) -> None:
    wheel = packed(cli, tmp_path, abi3="3.10", body=UTF8_AND_SIZE)
    assert wheel.name == "spam-1.0.0-cp310-abi3-manylinux_2_17_x86_64.whl"
    code, checks = policy(cli, wheel)
    assert code == EXIT_OK, checks
    older = wheel.with_name("spam-1.0.0-cp39-abi3-manylinux_2_17_x86_64.whl")
    shutil.copyfile(wheel, older)
    code, checks = policy(cli, older)
    assert code == EXIT_VERIFY_FAILED
    assert checks["stable-abi"] == ("abi3 for CPython 3.9+ extension module uses PyUnicode_AsUTF8AndSize (added in "
                                    "3.10), newer than its abi3 for CPython 3.9+ promise")


def test_a_version_specific_module_in_an_abi3_wheel_is_rejected(tmp_path: Path, cli: Cli) -> None:
    module = packed(cli, tmp_path / "build")
    with zipfile.ZipFile(module) as archive:
        data = archive.read("spam.abi3.so")
    name = "spam.cpython-311-x86_64-linux-gnu.so"
    wheel = tmp_path / "spam-1.0.0-cp39-abi3-manylinux_2_17_x86_64.whl"
    wheel.write_bytes(wheel_bytes([Member(path=name, data=data, mode=0o755),
                                   Member(path="spam-1.0.0.dist-info/WHEEL",
                                          data=wheel_text("manylinux_2_17_x86_64", "cp39-abi3").encode())],
                                  "spam-1.0.0.dist-info", zip_time({})))
    code, checks = policy(cli, wheel)
    assert code == EXIT_VERIFY_FAILED
    assert checks["wheel-tag"] == f"cp39-abi3 wheel holds {name}, built for one CPython version, not the stable ABI"


def test_a_target_with_a_library_and_an_extension_gets_one_abi3_wheel_holding_both(tmp_path: Path,
                                                                                    cli: Cli) -> None:
    config = extension_project(tmp_path)
    (tmp_path / "src" / "helper.c").write_text("int helper_twice(int x) { return 2 * x; }\n")
    (tmp_path / "helper.symbols").write_text("version 1\nhelper_twice function\n")
    config.write_text(config.read_text().replace(
        "targets:", "  - {name: helper, sources: [src/helper.c], contract: helper.symbols}\ntargets:"))
    res = cli("wheel", "--version", "2.0", cwd=tmp_path)
    assert res.code == EXIT_USAGE
    assert res.err.splitlines()[-1] == (
        "plugsmith: error: the wheel's loader package 'spam' has the name of extension module spam, which it "
        "would hide from import; set wheel: package: to another name")
    assert not (tmp_path / "dist").exists()  # refused before anything was built
    config.write_text(config.read_text() + "wheel:\n  package: spam_native\n")
    res = cli("wheel", "--version", "2.0", cwd=tmp_path)
    assert res.code == EXIT_OK, res.err
    (wheel,) = (tmp_path / "dist" / "wheels").iterdir()
    assert wheel.name == "spam-2.0-cp39-abi3-manylinux_2_17_x86_64.whl"
    with zipfile.ZipFile(wheel) as archive:
        assert archive.namelist() == ["spam.abi3.so", "spam_native/__init__.py", "spam_native/libhelper.so",
                                      "spam-2.0.dist-info/METADATA", "spam-2.0.dist-info/WHEEL",
                                      "spam-2.0.dist-info/RECORD"]
        loader = archive.read("spam_native/__init__.py").decode()
    assert "LIBRARIES = {'helper': 'libhelper.so'}" in loader
    code, checks = policy(cli, wheel)
    assert code == EXIT_OK, checks
