"""plugsmith.cibw's table against plugsmith's own platform tables, and the build backend's choice of
target (pure functions on hand-built values)."""

from __future__ import annotations

import pytest

from plugsmith import cibw
from plugsmith.errors import ConfigError
from plugsmith.matrix import Target, _make_target
from plugsmith.platforms import ARCHES, OS_ROWS, wheel_platform
from plugsmith.runtime import host_machine
from plugsmith.wheel.backend import host_target


def every_target() -> list[tuple[str, str, str | None]]:
    return [(r.os, r.arch, libc) for r in ARCHES for libc in (OS_ROWS[r.os].libcs or (None,))]


@pytest.mark.parametrize(("os", "arch", "libc"), every_target())
def test_every_buildable_target_has_one_identifier_spelled_like_its_wheel_tag(os: str, arch: str,
                                                                              libc: str | None) -> None:
    target = _make_target(os, arch, libc)
    (ident,) = cibw.identifiers([target])
    tag = wheel_platform(os, arch, libc=target.libc, glibc=target.glibc, min_os=target.min_os)
    part = ident.identifier.removeprefix("cp312-")
    # manylinux_2_17_x86_64 -> manylinux_x86_64; macosx_11_0_arm64 -> macosx_arm64; win_amd64 stays
    family, _, tail = tag.partition("_")
    expected = tag if os == "windows" else f"{family}_{tail.split('_', 2)[-1]}"
    assert part == expected
    assert ident.platform == os and ident.target == target.name


def test_identifiers_per_platform_are_sorted_and_complete() -> None:
    targets = [_make_target("linux", "x86_64"), _make_target("linux", "x86_64", "musl"),
               _make_target("windows", "x86")]
    assert cibw.expected(targets) == {"linux": ("cp312-manylinux_x86_64", "cp312-musllinux_x86_64"), "macos": (),
                                      "windows": ("cp312-win32",)}


def test_a_target_without_a_cibuildwheel_build_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        cibw.identifiers([Target(name="linux-ppc", os="linux", arch="ppc64le", libc="gnu", glibc="2.17")])
    assert str(info.value) == "target linux-ppc: cibuildwheel has no build for linux-ppc64le with libc gnu"


def test_the_backend_builds_the_target_of_this_machine() -> None:
    os, arch = host_machine()
    facts = {"a": ("windows", "x86", None), "mine": (os, arch, "gnu" if os == "linux" else None)}
    assert host_target(("a", "mine"), facts) == "mine"


def test_the_backend_refuses_a_matrix_without_this_machine() -> None:
    os, arch = host_machine()
    with pytest.raises(ConfigError) as info:
        host_target(("a",), {"a": ("windows", "x86", None)})
    assert str(info.value).startswith(f"no target in build_matrix.yaml is this machine ({os}-{arch}")
    assert str(info.value).endswith("); set PLUGSMITH_TARGETS to one")
