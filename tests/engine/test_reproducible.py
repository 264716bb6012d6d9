"""Same inputs in two checkout folders give byte-identical artifacts, on every format."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from build_helpers import Project, build_api

pytestmark = pytest.mark.slow  # six targets built twice

SIX = ("linux-x86_64", "linux-aarch64", "macos-x86_64", "macos-aarch64", "windows-x86_64", "windows-aarch64")


def files(project: Project) -> dict[str, bytes]:
    return {p.relative_to(project.dist).as_posix(): p.read_bytes()
            for p in sorted(project.dist.rglob("*")) if p.is_file()}


def test_two_checkouts_in_different_folders_build_identical_bytes(project_factory: Callable[..., Project]) -> None:
    first = project_factory("checkout-one", targets=SIX)
    second = project_factory("somewhere/else/checkout-two", targets=SIX)
    assert build_api(first).result.ok
    assert build_api(second).result.ok
    a, b = files(first), files(second)
    assert sorted(a) == sorted(b)
    assert len(a) == 14  # six libraries, their six build records and two import libraries
    different = [name for name in a if a[name] != b[name]]
    assert different == []
    for name, data in a.items():
        assert str(first.root).encode() not in data, f"{name} embeds the checkout folder"


def test_a_forced_rebuild_gives_the_same_bytes(project: Project) -> None:
    assert build_api(project).result.ok
    before = files(project)
    assert build_api(project, force=True).result.ok
    assert files(project) == before


def test_the_checks_see_a_difference(project_factory: Callable[..., Project]) -> None:
    """Negative twin: a different source does change the bytes, so equality above means something."""
    first = project_factory("one", targets=("linux-x86_64", "windows-x86_64"))
    second = project_factory("two", targets=("linux-x86_64", "windows-x86_64"))
    second.write("src/helper.c", '#include "common.h"\nint helper(int x) { return x + 2; }\n')
    build_api(first)
    build_api(second)
    a, b = files(first), files(second)
    assert a["linux-x86_64/libdemo.so"] != b["linux-x86_64/libdemo.so"]
    assert a["windows-x86_64/demo.dll"] != b["windows-x86_64/demo.dll"]
