"""``plugsmith wheel`` end to end on the example's dist/ (built once by the session fixture),
and ``plugsmith verify`` on the six wheels with the project applied."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.conftest import Cli, copy_example, tree
from wheel_helpers import Packed

from plugsmith import matrix as matrix_mod
from plugsmith.errors import ConfigError


@pytest.fixture
def project(packed: Packed, tmp_path: Path) -> Path:
    """A private copy of the example with the session's dist/ (no wheels) in place."""
    dest = copy_example(tmp_path / "example")
    shutil.copytree(packed.project / "dist", dest / "dist", ignore=shutil.ignore_patterns("wheels"))
    return dest


def test_wheel_no_build_writes_six_wheels(project: Path, cli: Cli, packed: Packed) -> None:
    res = cli("wheel", "--no-build", "--version", "1.0.0", cwd=project)
    assert res.code == 0, res.err
    assert res.out.splitlines() == [f"dist/wheels/{w.name}" for w in packed.wheels]
    for wheel in packed.wheels:  # the CLI and the library make the same bytes
        assert (project / "dist" / "wheels" / wheel.name).read_bytes() == wheel.read_bytes()


def test_verify_passes_on_the_six_wheels(project: Path, cli: Cli, packed: Packed) -> None:
    res = cli("verify", *(str(w) for w in packed.wheels), cwd=project)
    assert res.code == 0, res.out + res.err
    assert "OK: 6 artifacts match their contract and each other" in res.out


def test_version_from_the_wheel_section_and_metadata(project: Path, cli: Cli) -> None:
    config = project / "build_matrix.yaml"
    config.write_text(config.read_text() + "\nwheel:\n  name: Greet.Plugin\n  package: greet_plugin\n"
                      "  version: \"2.1.0-rc1\"\n  summary: Greetings, natively\n  license: MIT\n"
                      "  requires_python: \">=3.9\"\n")
    res = cli("wheel", "--no-build", "-t", "linux-x86_64", "-o", "out", cwd=project)
    assert res.code == 0, res.err
    assert res.out.splitlines() == ["out/greet_plugin-2.1.0rc1-py3-none-manylinux_2_17_x86_64.whl"]
    import zipfile

    with zipfile.ZipFile(project / res.out.strip()) as z:
        assert z.namelist() == ["greet_plugin/__init__.py", "greet_plugin/libgreet.so",
                                "greet_plugin-2.1.0rc1.dist-info/METADATA", "greet_plugin-2.1.0rc1.dist-info/WHEEL",
                                "greet_plugin-2.1.0rc1.dist-info/RECORD"]
        assert z.read("greet_plugin-2.1.0rc1.dist-info/METADATA").decode() == (
            "Metadata-Version: 2.1\nName: Greet.Plugin\nVersion: 2.1.0rc1\nSummary: Greetings, natively\n"
            "Requires-Python: >=3.9\nLicense: MIT\n")


def test_default_version_is_0_0_0_with_a_note(project: Path, cli: Cli) -> None:
    res = cli("wheel", "--no-build", "-t", "windows-*", cwd=project)
    assert res.code == 0, res.err
    assert res.out.splitlines() == ["dist/wheels/greet-0.0.0-py3-none-win_amd64.whl",
                                    "dist/wheels/greet-0.0.0-py3-none-win_arm64.whl"]
    assert ("plugsmith: note: no --version and no 'wheel: version' in build_matrix.yaml: the wheels are "
            "version 0.0.0") in res.err.splitlines()


def test_bad_version_is_refused_before_anything_is_written(project: Path, cli: Cli) -> None:
    before = tree(project)
    res = cli("wheel", "--version", "1.0 beta", cwd=project)
    assert res.code == 2
    assert res.err.splitlines() == ["plugsmith: error: --version '1.0 beta': not a valid Python package version "
                                    "(PEP 440), e.g. 1.0.0, 1.0b1, 2.0.0rc1, 1.0.0.post1"]
    assert tree(project) == before


def test_no_build_without_artifacts_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    project = copy_example(tmp_path / "fresh")
    res = cli("wheel", "--no-build", "--version", "1.0", cwd=project)
    assert res.code == 2
    assert res.err.splitlines() == ["plugsmith: error: greet@linux-x86_64: artifact dist/linux-x86_64/libgreet.so "
                                    "does not exist (run 'plugsmith build', or drop --no-build)"]
    assert not (project / "dist").exists()


def test_wheel_section_errors_name_file_line_and_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_example(tmp_path / "bad")
    monkeypatch.chdir(project)
    config = project / "build_matrix.yaml"
    lines = len(config.read_text().splitlines())
    config.write_text(config.read_text() + "wheel:\n  version: \"1.0 beta\"\n  pakage: x\n  package: 2x\n"
                      "  requires_python: \"3.9+\"\n")
    with pytest.raises(ConfigError) as info:
        matrix_mod.load(config)
    assert [str(e) for e in info.value.errors] == [
        f"build_matrix.yaml:{lines + 3}:11: wheel.pakage: unknown key 'pakage' (did you mean 'package'?)",
        f"build_matrix.yaml:{lines + 4}:12: wheel.package: invalid package name '2x': a Python identifier "
        "(letters, digits, _), not a keyword",
        f"build_matrix.yaml:{lines + 2}:12: wheel.version: '1.0 beta': not a valid Python package version (PEP 440)",
        f"build_matrix.yaml:{lines + 5}:20: wheel.requires_python: '3.9+': not a version specifier like '>=3.9'",
    ]
