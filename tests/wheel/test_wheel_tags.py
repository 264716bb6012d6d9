"""platforms.WHEEL_PLATFORMS, row by row, and the loader's behaviour with several plugins."""

from __future__ import annotations

import importlib.util
import platform
import sys
from pathlib import Path

import pytest

from plugsmith.errors import ConfigError
from plugsmith.matrix import _make_target
from plugsmith.platforms import ARCHES, WHEEL_PLATFORMS, wheel_platform
from plugsmith.wheel import loader, wheel_tag

CASES = [
    ("linux", "x86_64", None, None, "manylinux_2_17_x86_64"),
    ("linux", "aarch64", None, None, "manylinux_2_17_aarch64"),
    ("linux", "riscv64", None, None, "manylinux_2_27_riscv64"),
    ("linux", "arm", None, None, "manylinux_2_17_armv7l"),
    ("linux", "x86", None, None, "manylinux_2_17_i686"),
    ("linux", "x86_64", None, "2.28", "manylinux_2_28_x86_64"),
    ("linux", "x86_64", "musl", None, "musllinux_1_2_x86_64"),
    ("linux", "aarch64", "musl", None, "musllinux_1_2_aarch64"),
    ("linux", "arm", "musl", None, "musllinux_1_2_armv7l"),
    ("macos", "x86_64", None, None, "macosx_11_0_x86_64"),
    ("macos", "aarch64", None, "12.0", "macosx_12_0_arm64"),
    ("macos", "x86_64", None, "10.13", "macosx_10_13_x86_64"),
    ("windows", "x86_64", None, None, "win_amd64"),
    ("windows", "aarch64", None, None, "win_arm64"),
    ("windows", "x86", None, None, "win32"),
]


@pytest.mark.parametrize(("os", "arch", "libc", "pin", "tag"), CASES, ids=[c[4] for c in CASES])
def test_tag_from_the_targets_facts(os: str, arch: str, libc: str | None, pin: str | None, tag: str) -> None:
    target = _make_target(os, arch, libc, glibc=pin if os == "linux" else None, min_os=pin if os == "macos" else None)
    assert wheel_tag(target) == tag


def test_every_known_target_has_a_tag() -> None:
    for row in ARCHES:
        for libc in ("gnu", "musl") if row.os == "linux" else (None,):
            assert wheel_tag(_make_target(row.os, row.arch, libc))
    assert all(r.evidence for r in WHEEL_PLATFORMS)


def test_tags_pip_here_would_install() -> None:
    """Evidence for the manylinux row: packaging (what pip uses) lists this machine's tags."""
    from packaging.tags import sys_tags

    if sys.platform != "linux" or platform.machine() != "x86_64" or platform.libc_ver()[0] != "glibc":
        pytest.skip("not a glibc x86_64 host")
    supported = {str(t) for t in sys_tags()}
    assert "py3-none-manylinux_2_17_x86_64" in supported
    assert not {"py3-none-win_amd64", "py3-none-macosx_11_0_x86_64", "py3-none-musllinux_1_2_x86_64"} & supported


def test_macos_minor_versions_after_11_have_no_tag() -> None:
    with pytest.raises(ConfigError) as info:
        wheel_tag(_make_target("macos", "aarch64", min_os="11.3"))
    assert str(info.value) == ('target macos-aarch64: min_os 11.3: pip matches macOS 11 and later by major version '
                               'only (macosx_11_0), so no wheel tag fits; use min_os "11.0"')


def test_no_row_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        wheel_platform("macos", "riscv64", libc=None, glibc=None, min_os=None)


def _loader(tmp_path: Path, libraries: dict[str, str]) -> object:
    pkg = tmp_path / "multi"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(loader.render(summary="Two plugins", version="1.0", target="linux-x86_64",
                                                   platform="manylinux_2_17_x86_64", libraries=libraries))
    spec = importlib.util.spec_from_file_location("multi", pkg / "__init__.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_loader_with_two_plugins_needs_a_name(tmp_path: Path) -> None:
    module = _loader(tmp_path, {"b": "libb.so", "a": "liba.so"})
    assert module.LIBRARIES == {"a": "liba.so", "b": "libb.so"}  # type: ignore[attr-defined]
    assert module.library_path("b") == tmp_path / "multi" / "libb.so"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=r"^this package holds 2 plugins \(a, b\); name one$"):
        module.library_path()  # type: ignore[attr-defined]
    with pytest.raises(LookupError, match=r"^no plugin 'c' in this package; it holds: a, b$"):
        module.load("c")  # type: ignore[attr-defined]
