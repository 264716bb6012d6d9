"""Each naming rule on its real-world example, and names that must stay apart."""

from __future__ import annotations

import pytest

from plugsmith.cli._release import parse_pairs, parse_target_map
from plugsmith.errors import InputError
from plugsmith.verify.grouping import comparisons
from plugsmith.verify.naming import EXTENSION_NAMES, NAME_RULES, extension_name, library_name


@pytest.mark.parametrize("rule", NAME_RULES, ids=[r.name for r in NAME_RULES])
def test_each_rule_row_on_its_example(rule: object) -> None:
    file_name, expected = rule.example  # type: ignore[attr-defined]
    name = file_name.lower()
    for earlier in NAME_RULES[: NAME_RULES.index(rule)]:  # type: ignore[arg-type]
        name = earlier.pattern.sub("", name, count=1)
    assert rule.pattern.search(name)  # type: ignore[attr-defined]  # the row itself changes its example
    assert library_name(file_name) == expected


@pytest.mark.parametrize(("file_name", "expected"), [
    ("libglfw.so", "glfw"), ("libglfw.3.dylib", "glfw"), ("glfw3.dll", "glfw3"),  # glfw3 joins glfw by merge rule
    ("_libfoo.so", "_libfoo"), ("_libfoo.dylib", "_libfoo"), ("_foo.dll", "_foo"),
    ("libsndfile_x86_64.so", "sndfile"), ("libsndfile_arm64.dylib", "sndfile"), ("libsndfile_x64.dll", "sndfile"),
    ("libzmq-915d1bcb.so.5.2.5", "zmq"), ("libzmq.5.dylib", "zmq"),
    ("geos-ae6efa0782962b98e358f10ea539ae5f.dll", "geos"), ("libgeos.3.13.1.dylib", "geos"),
    ("libusb-1.0.so", "usb-1.0"), ("libusb-1.0.dylib", "usb-1.0"), ("libusb-1.0.dll", "usb-1.0"),
    ("libportaudio64bit.dll", "portaudio"), ("libportaudio64bit-asio.dll", "portaudio64bit-asio"),
    ("msvcp140-90bc62d4947a5878f1dc1057312f3be2.dll", "msvcp140"), ("libstdc++-5d72f927.so.6.0.33", "stdc++"),
])
def test_library_names_of_real_releases(file_name: str, expected: str) -> None:
    assert library_name(file_name) == expected


@pytest.mark.parametrize(("a", "b"), [
    ("libgeos-9c5cb28e.so.3.13.1", "libgeos_c-42bdf9a9.so.1.19.2"),
    ("libgeos.3.13.1.dylib", "libgeos_c.1.19.2.dylib"),
    ("libssl-3e69114b.so.1.1", "libcrypto-ea28cefb.so.1.1"),
    ("libkrb5-fcafa220.so.3.3", "libkrb5support-d0bcff84.so.0.1"),
    ("libusb-1.0.so", "libusb.so"),
])
def test_different_libraries_keep_different_names(a: str, b: str) -> None:
    assert library_name(a) != library_name(b)


@pytest.mark.parametrize(("file_name", "module"), [
    ("foo.cpython-312-x86_64-linux-gnu.so", "foo"), ("foo.cpython-312-darwin.so", "foo"),
    ("foo.cp312-win_amd64.pyd", "foo"), ("foo.abi3.so", "foo"), ("foo.pyd", "foo"),
    ("lib.cpython-312-darwin.so", "lib"),  # shapely's module 'lib': no lib prefix is stripped from a module
])
def test_python_extension_names(file_name: str, module: str) -> None:
    assert EXTENSION_NAMES.match(file_name)
    assert extension_name(file_name) == module


def test_comparisons_never_put_two_variants_together() -> None:
    members = [("macos-x86_64", None), ("linux-x86_64", "x11"), ("linux-x86_64", "wayland"),
               ("windows-x86_64", None), ("linux-aarch64", "x11"), ("linux-aarch64", "wayland")]
    assert comparisons(members) == [[0, 1, 3, 4], [0, 2, 3, 5]]
    assert comparisons([("a", None), ("b", None)]) == [[0, 1]]
    assert comparisons([("windows-x86_64", "asio"), ("windows-x86_64", None), ("macos-x86_64", None)]) == \
        [[0, 2], [1, 2]]


def test_group_override_syntax() -> None:
    assert parse_pairs(["glfw=*glfw*", " x = a!b "], "--group", "NAME=GLOB", "glfw=*glfw*") == (
        ("glfw", "*glfw*"), ("x", "a!b"))
    with pytest.raises(InputError) as info:
        parse_pairs(["glfw"], "--group", "NAME=GLOB", "glfw=*glfw*")
    assert info.value.message == "--group 'glfw': expected NAME=GLOB, e.g. 'glfw=*glfw*'"
    with pytest.raises(InputError) as info:
        parse_target_map(["=linux-x86_64"])
    assert info.value.message == ("--target-map '=linux-x86_64': expected GLOB=TARGET, "
                                  "e.g. '*/linux-x86_64/*=linux-x86_64'")
