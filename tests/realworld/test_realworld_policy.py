"""The default policy on real releases: every corpus wheel, verified as a user would
(``plugsmith verify --json --no-project WHEEL``), gets no policy finding the ecosystem's own tools
would not give; the few that remain are listed with their reason in corpus.yaml (``policy_findings``)
and asserted exactly. Then each new check fails on a real binary that breaks it: corpus wheels
re-packed under a wrong tag or without their vendored libraries, and a zig-built extension module
linking libpython."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from tests.conftest import write_wheel
from tests.realworld.conftest import CORPUS
from tests.realworld.corpus import CORPUS_YAML

from plugsmith.cli import main
from plugsmith.policy import CHECK_NAMES
from plugsmith.verify.ecosystem import linux_policy
from plugsmith.verify.wheel_tags import platforms

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "release"))
from release_helpers import zigcc

_SPEC = yaml.safe_load(CORPUS_YAML.read_text(encoding="utf-8"))
_FILES = {f["name"]: f for p in _SPEC["projects"] for f in p["files"]}


def _verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["verify", "--json", "--no-project", *args])
    return code, json.loads(capsys.readouterr().out)


def _failed(data: dict[str, object]) -> set[tuple[str, str, str]]:
    """(member, check, message) of every failed policy check."""
    out = {(str(t["artifact"]).rsplit("!", 1)[-1], c["name"], c["message"])
           for t in data["targets"] for c in t["policy"] if not c["passed"]}  # type: ignore[attr-defined]
    return out | {("-", c["name"], c["message"]) for c in data["policy"] if not c["passed"]}  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", [f.name for f in CORPUS.files])
def test_corpus_wheel_gets_only_the_ecosystems_findings(name: str, corpus_wheels: dict[str, Path],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    _, data = _verify(capsys, str(corpus_wheels[name]))
    expected = {(f["member"], f["check"], f["message"]) for f in _FILES[name].get("policy_findings", [])}
    assert _failed(data) == expected


@pytest.mark.parametrize("name", [n for n, f in _FILES.items() if f.get("auditwheel")])
def test_auditwheel_agrees_the_wheel_keeps_its_tag(name: str) -> None:
    """The truth behind the Linux rows: auditwheel's most compatible tag is at or below the wheel's
    own (strictest) tag, so plugsmith's silence above is auditwheel's verdict too."""
    [found] = platforms(f"x-1-py3-none-{_FILES[name]['auditwheel']['platform_tag']}.whl") or ()
    own = [t for t in platforms(name) or () if t.libc is not None and t.version is not None]
    assert found.libc is not None and found.version is not None and own
    assert all(t.libc == found.libc for t in own)
    assert found.version <= min(t.version or () for t in own)
    assert linux_policy(found.libc, found.version) is not None


# --------------------------------------------------------------------------- negative twins


def _repack(src: Path, dest: Path, *, drop: str | None = None) -> Path:
    """``src`` re-packed as ``dest`` (a wheel name carrying the tag under test), without members
    whose path contains ``drop``; RECORD is rewritten to match, as a repair tool would."""
    with zipfile.ZipFile(src) as zin:
        members = {item.filename: zin.read(item.filename) for item in zin.infolist()
                   if not item.is_dir() and not item.filename.endswith(".dist-info/RECORD")
                   and (drop is None or drop not in item.filename)}
        dist = next(n for n in zin.namelist() if n.endswith(".dist-info/RECORD")).split("/")[0][: -len(".dist-info")]
    return write_wheel(dest, members, dist=dist)


def _checks(data: dict[str, object], name: str) -> dict[str, tuple[bool, str]]:
    return {str(t["artifact"]).rsplit("!", 1)[-1]: (c["passed"], c["message"])  # type: ignore[index]
            for t in data["targets"] for c in t["policy"] if c["name"] == name}  # type: ignore[attr-defined]


def test_wheel_tag_machine(corpus_wheels: dict[str, Path], tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    src = corpus_wheels["bcrypt-5.0.0-cp39-abi3-manylinux_2_28_aarch64.whl"]
    code, data = _verify(capsys, str(_repack(src, tmp_path / "bcrypt-5.0.0-cp39-abi3-win_amd64.whl")))
    assert code == 1
    assert _checks(data, "wheel-tag") == {"bcrypt/_bcrypt.abi3.so": (False, "win_amd64 wheel holds an aarch64 ELF")}


def test_wheel_tag_glibc_ceiling(corpus_wheels: dict[str, Path], tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    src = corpus_wheels["bcrypt-5.0.0-cp39-abi3-manylinux_2_28_x86_64.whl"]
    _, own = _verify(capsys, str(src))
    assert _checks(own, "wheel-tag") == {"bcrypt/_bcrypt.abi3.so": (True, "x86_64 ELF consistent with "
                                                                          "manylinux_2_28_x86_64")}
    wrong = _repack(src, tmp_path / "bcrypt-5.0.0-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
    code, data = _verify(capsys, str(wrong))
    assert code == 1
    assert _checks(data, "wheel-tag") == {"bcrypt/_bcrypt.abi3.so": (
        False, "manylinux_2_17_x86_64 wheel needs GLIBC_2.18 (libc.so.6), GLIBC_2.28 (libc.so.6), beyond "
               "manylinux_2_17's GLIBC_2.17 on x86_64")}
    code, data = _verify(capsys, str(_repack(src, tmp_path / "bcrypt-5.0.0-cp39-abi3-manylinux1_x86_64.whl")))
    assert code == 1
    assert _checks(data, "wheel-tag") == {"bcrypt/_bcrypt.abi3.so": (  # GCC_4.2.0 (libgcc_s) is within manylinux1
        False, "manylinux1_x86_64 wheel needs GLIBC_2.14 (libc.so.6), GLIBC_2.18 (libc.so.6), GLIBC_2.28 "
               "(libc.so.6), beyond manylinux_2_5's GLIBC_2.5 on x86_64")}


def test_universal2_wheel_with_a_thin_binary(corpus_wheels: dict[str, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    src = corpus_wheels["soundfile-0.13.1-py2.py3-none-macosx_10_9_x86_64.whl"]
    thin = _repack(src, tmp_path / "soundfile-0.13.1-py2.py3-none-macosx_10_9_universal2.whl")
    code, data = _verify(capsys, str(thin))
    assert code == 1
    assert _checks(data, "wheel-tag") == {"_soundfile_data/libsndfile_x86_64.dylib": (
        False, "macosx_10_9_universal2 wheel holds a Mach-O without the aarch64 slice (it has x86_64)")}


def test_pure_python_wheel_with_native_code(corpus_wheels: dict[str, Path], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    src = corpus_wheels["markupsafe-3.0.3-cp312-cp312-musllinux_1_2_x86_64.whl"]
    code, data = _verify(capsys, str(_repack(src, tmp_path / "markupsafe-3.0.3-py3-none-any.whl")))
    assert code == 1
    assert _checks(data, "wheel-tag") == {"markupsafe/_speedups.cpython-312-x86_64-linux-musl.so": (
        False, "any wheel holds an x86_64 ELF: a pure-Python tag promises no native code")}


def test_vendored_library_satisfies_an_import(corpus_wheels: dict[str, Path], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    src = corpus_wheels["pyzmq-27.1.0-cp312-abi3-musllinux_1_2_x86_64.whl"]
    _, data = _verify(capsys, str(src))
    assert _checks(data, "imports")["zmq/backend/cython/_zmq.abi3.so"] == (
        True, "imports libzmq-bea72b92.so.5.2.5, libc.musl-x86_64.so.1: all allowed "
              "(libzmq-bea72b92.so.5.2.5 inside the release)")
    gone = _repack(src, tmp_path / src.name, drop="pyzmq.libs/libzmq-")
    code, data = _verify(capsys, str(gone))
    assert code == 1
    passed, message = _checks(data, "imports")["zmq/backend/cython/_zmq.abi3.so"]
    assert not passed
    assert message.startswith("imports libzmq-bea72b92.so.5.2.5, not in the linux allow-list (libc.so.6, ")
    assert message.endswith("), not musllinux_1_2's libraries (auditwheel 6.8.2), nor inside the release; "
                            "add it to policy.extra_imports.linux if intended")


def test_a_dll_import_outside_windows_and_the_release(corpus_wheels: dict[str, Path], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    src = corpus_wheels["shapely-2.1.2-cp312-cp312-win_amd64.whl"]
    _, data = _verify(capsys, str(src))
    assert all(passed for passed, _ in _checks(data, "imports").values())
    code, data = _verify(capsys, str(_repack(src, tmp_path / src.name, drop="shapely.libs/geos_c-")))
    assert code == 1
    failed = {m: msg for m, (passed, msg) in _checks(data, "imports").items() if not passed}
    assert set(failed) == {"shapely/lib.cp312-win_amd64.pyd", "shapely/_geometry_helpers.cp312-win_amd64.pyd",
                           "shapely/_geos.cp312-win_amd64.pyd"}
    assert failed["shapely/lib.cp312-win_amd64.pyd"].startswith(
        "imports geos_c-072b7a9224d16d3e4ab2395bb855b2d3.dll, not in the windows allow-list (KERNEL32.dll, ")
    assert ", not a x86_64 system DLL (delvewheel 1.13.2), an API set, CPython's DLL or the MSVC runtime, nor " \
           "inside the release;" in failed["shapely/lib.cp312-win_amd64.pyd"]


def test_msvc_runtime_is_a_note(corpus_wheels: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, data = _verify(capsys, str(corpus_wheels["markupsafe-3.0.3-cp312-cp312-win_amd64.whl"]))
    [target] = data["targets"]  # type: ignore[misc]
    assert target["notes"] == ["needs the Microsoft Visual C++ runtime (VCRUNTIME140.dll): not part of Windows; "
                               "users need the Visual C++ Redistributable, or the release ships it"]
    assert _checks(data, "python-abi") == {"markupsafe/_speedups.cp312-win_amd64.pyd": (
        True, "imports python312.dll (CPython's DLL on Windows)")}


def test_libpython_linked_into_an_extension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "py.c").write_text("int Py_IsInitialized(void) { return 1; }\n")
    (tmp_path / "ext.c").write_text("int Py_IsInitialized(void);\n"
                                    "void *PyInit_foo(void) { return (void *)(long)Py_IsInitialized(); }\n")
    target = ["-target", "x86_64-linux-gnu.2.17", "-shared", "-fPIC"]
    zigcc(*target, "-Wl,-soname,libpython3.12.so.1.0", "-o", "libpython3.12.so.1.0", "py.c", cwd=tmp_path)
    zigcc(*target, "-o", "linked.so", "ext.c", "-Wl,--no-as-needed", "./libpython3.12.so.1.0", cwd=tmp_path)
    zigcc(*target, "-o", "clean.so", "ext.c", "-Wl,--allow-shlib-undefined", "-Wl,-z,undefs", cwd=tmp_path)
    results = {}
    for built in ("linked", "clean"):
        wheel = tmp_path / built / "foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"
        wheel.parent.mkdir()
        write_wheel(wheel, {"foo.cpython-312-x86_64-linux-gnu.so": tmp_path / f"{built}.so"})
        code, data = _verify(capsys, str(wheel))
        results[built] = (code, _checks(data, "python-abi"), _checks(data, "imports"))
    member = "foo.cpython-312-x86_64-linux-gnu.so"
    assert results["linked"][0] == 1
    assert results["linked"][1] == {member: (False, "extension module links libpython3.12.so.1.0: the interpreter "
                                             "provides the Python symbols, so it must leave them undefined "
                                             "(auditwheel and delocate refuse a linked libpython)")}
    assert results["linked"][2][member][0]  # named once, by python-abi, not again as an unknown import
    assert results["clean"][1] == {member: (True, "does not link libpython")}


def test_new_checks_can_be_skipped(corpus_wheels: dict[str, Path], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert {"wheel-tag", "python-abi"} <= set(CHECK_NAMES)
    src = corpus_wheels["bcrypt-5.0.0-cp39-abi3-manylinux_2_28_aarch64.whl"]
    wrong = _repack(src, tmp_path / "bcrypt-5.0.0-cp39-abi3-win_amd64.whl")
    code, data = _verify(capsys, "--skip-check", "wheel-tag", "--skip-check", "python-abi", "--skip-check", "glibc",
                         str(wrong))
    assert code == 0 and _checks(data, "wheel-tag") == {} and _checks(data, "python-abi") == {}


def test_new_inspection_facts_survive_the_cache(corpus_members: dict[tuple[str, str], Path], tmp_path: Path) -> None:
    """``version_needs`` (nested tuples) and ``file_type`` come back from the JSON cache unchanged."""
    from plugsmith.inspection import inspect_file
    from plugsmith.inspection._cache import InspectionCache

    cache = InspectionCache(tmp_path / "cache")
    for key in (("shapely-2.1.2-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
                 "shapely/lib.cpython-312-x86_64-linux-gnu.so"),
                ("markupsafe-3.0.3-cp312-cp312-macosx_11_0_arm64.whl", "markupsafe/_speedups.cpython-312-darwin.so")):
        path = corpus_members[key]
        fresh = inspect_file(path)
        cache.put(cache.digest(path), fresh)
        assert cache.get(path)[0] == fresh
    assert inspect_file(path)[0].file_type == "bundle"
