"""The inspect stage against real zig-built plugins, cross-checked with the LLVM tools.

Artifacts come from the session fixture ``plugin_artifacts`` (tests/integration/conftest.py).
"""

from __future__ import annotations

import random
import re
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from plugsmith.errors import InputError
from plugsmith.inspection import Export, Inspection, inspect_file, is_binary

# --------------------------------------------------------------------------- expectations


def _elf(name: str, kind: str, version: str, *, default: bool = True) -> Export:
    return Export(name=name, kind=kind, version=version, default_version=default)  # type: ignore[arg-type]


ELF_EXPORTS = frozenset({
    _elf("plugin_init", "function", "PLUGIN_1.0"),
    _elf("plugin_legacy", "function", "PLUGIN_1.0"),
    _elf("plugin_counter", "data", "PLUGIN_1.0"),
    _elf("plugin_abs", "unknown", "PLUGIN_1.0"),  # absolute, STT_NOTYPE
    _elf("plugin_run", "function", "PLUGIN_2.0"),
    _elf("plugin_name", "data", "PLUGIN_2.0"),
    _elf("plugin_tls", "data", "PLUGIN_2.0"),  # STT_TLS
})

MACHO_EXPORTS = frozenset({
    Export(name="plugin_init", kind="function"),
    Export(name="plugin_legacy", kind="function"),
    Export(name="plugin_run", kind="function"),
    Export(name="plugin_counter", kind="data"),
    Export(name="plugin_name", kind="data"),  # __TEXT,__const: in an executable segment, but not code
    Export(name="plugin_tls", kind="data"),  # per-thread
    Export(name="plugin_abs", kind="unknown"),  # absolute
    Export(name="_mh_dylib_header", kind="data"),  # zig adds both to every dylib
    Export(name="__dso_handle", kind="data"),
})

PE_EXPORTS = frozenset({
    Export(name="#7", kind="function", ordinal=7),  # plugin_secret @7 NONAME
    Export(name="#9", kind="unknown", ordinal=9, forwarder="kernel32.GetTickCount"),  # NONAME forwarder
    Export(name="plugin_legacy", kind="function", ordinal=20),
    Export(name="plugin_counter", kind="data", ordinal=21),
    Export(name="plugin_init", kind="function", ordinal=22),
    Export(name="plugin_name", kind="data", ordinal=23),
    Export(name="plugin_run", kind="function", ordinal=24),
    Export(name="plugin_sleep", kind="unknown", ordinal=25, forwarder="kernel32.Sleep"),
})

ELF_KEYS = ("linux-x86_64", "linux-aarch64")
MACHO_KEYS = ("macos-x86_64", "macos-aarch64")
PE_KEYS = ("windows-x86_64", "windows-aarch64")
PLUGIN_KEYS = ELF_KEYS + MACHO_KEYS + PE_KEYS
ALL_KEYS = (*PLUGIN_KEYS, "macos-universal", "linux-x86_64-hidden-version", "macos-x86_64-version-min",
            "linux-x86_64-object", "macos-aarch64-object", "macos-aarch64-executable")


def _only(path: Path) -> Inspection:
    inspections = inspect_file(path)
    assert len(inspections) == 1
    return inspections[0]


def _arch_of(key: str) -> str:
    return key.split("-")[1]


# --------------------------------------------------------------------------- ELF


@pytest.mark.parametrize("key", ELF_KEYS)
def test_elf_plugin(plugin_artifacts: dict[str, Path], key: str) -> None:
    path = plugin_artifacts[key]
    got = _only(path)
    assert (got.path, got.format, got.os, got.arch) == (path, "elf", "linux", _arch_of(key))
    assert set(got.exports) == ELF_EXPORTS
    assert len(got.exports) == len(ELF_EXPORTS)
    assert got.imports == ("libc.so.6",)
    assert got.soname == "libplugin.so"
    # strlen is GLIBC_2.2.5 on x86_64; aarch64 glibc starts at 2.17
    assert got.glibc_max == {"linux-x86_64": "2.2.5", "linux-aarch64": "2.17"}[key]
    assert (got.slice_index, got.min_os) == (None, None)


def test_elf_hidden_version_is_not_default(plugin_artifacts: dict[str, Path]) -> None:
    got = _only(plugin_artifacts["linux-x86_64-hidden-version"])
    legacy = [e for e in got.exports if e.name == "plugin_legacy"]
    assert legacy == [_elf("plugin_legacy", "function", "PLUGIN_1.0", default=False)]
    assert set(got.exports) - set(legacy) == ELF_EXPORTS - {_elf("plugin_legacy", "function", "PLUGIN_1.0")}


def test_elf_object_file_has_no_dynamic_exports(plugin_artifacts: dict[str, Path]) -> None:
    got = _only(plugin_artifacts["linux-x86_64-object"])
    assert (got.format, got.arch, got.exports, got.imports, got.soname) == ("elf", "x86_64", (), (), None)


# --------------------------------------------------------------------------- Mach-O


@pytest.mark.parametrize("key", MACHO_KEYS)
def test_macho_plugin(plugin_artifacts: dict[str, Path], key: str) -> None:
    path = plugin_artifacts[key]
    got = _only(path)
    assert (got.path, got.format, got.os, got.arch) == (path, "macho", "macos", _arch_of(key))
    assert set(got.exports) == MACHO_EXPORTS
    assert len(got.exports) == len(MACHO_EXPORTS)
    assert got.imports == ("/usr/lib/libSystem.B.dylib",)
    assert got.soname == "@rpath/libplugin.dylib"
    assert got.min_os == "11.0"
    assert (got.slice_index, got.glibc_max) == (None, None)


def test_macho_fat_gives_one_inspection_per_slice(plugin_artifacts: dict[str, Path]) -> None:
    path = plugin_artifacts["macos-universal"]
    slices = inspect_file(path)
    assert [(s.slice_index, s.arch, s.path) for s in slices] == [(0, "x86_64", path), (1, "aarch64", path)]
    for one in slices:
        assert set(one.exports) == MACHO_EXPORTS
        assert (one.soname, one.imports, one.min_os) == (
            "@rpath/libplugin.dylib", ("/usr/lib/libSystem.B.dylib",), "11.0")


def test_macho_min_os_from_version_min_command(plugin_artifacts: dict[str, Path]) -> None:
    got = _only(plugin_artifacts["macos-x86_64-version-min"])
    assert got.min_os == "10.13.2"
    assert set(got.exports) == MACHO_EXPORTS


def test_macho_object_and_executable(plugin_artifacts: dict[str, Path]) -> None:
    obj = _only(plugin_artifacts["macos-aarch64-object"])  # no export trie in an MH_OBJECT
    assert (obj.arch, obj.exports, obj.imports, obj.soname, obj.min_os) == ("aarch64", (), (), None, "11.0")
    exe = _only(plugin_artifacts["macos-aarch64-executable"])
    # llvm-nm calls _mh_execute_header "T" (its n_sect is __text); it lies before __text, so: data
    assert set(exe.exports) == {Export(name="main", kind="function"), Export(name="_mh_execute_header", kind="data"),
                                Export(name="__dso_handle", kind="data")}
    assert (exe.soname, exe.imports) == (None, ("/usr/lib/libSystem.B.dylib",))


# --------------------------------------------------------------------------- PE


@pytest.mark.parametrize("key", PE_KEYS)
def test_pe_plugin(plugin_artifacts: dict[str, Path], key: str) -> None:
    path = plugin_artifacts[key]
    got = _only(path)
    assert (got.path, got.format, got.os, got.arch) == (path, "pe", "windows", _arch_of(key))
    assert set(got.exports) == PE_EXPORTS
    assert len(got.exports) == len(PE_EXPORTS)
    assert got.soname == "plugin.dll"
    assert "KERNEL32.dll" in got.imports
    assert (got.slice_index, got.min_os, got.glibc_max) == (None, None, None)


@pytest.mark.parametrize("key", PE_KEYS)
def test_pe_noname_forwarder_is_not_named_after_its_target(plugin_artifacts: dict[str, Path], key: str) -> None:
    got = _only(plugin_artifacts[key])
    by_ordinal = {e.ordinal: e for e in got.exports}
    assert by_ordinal[9].name == "#9"
    assert by_ordinal[9].forwarder == "kernel32.GetTickCount"
    assert "kernel32.GetTickCount" not in got.export_names
    assert by_ordinal[7] == Export(name="#7", kind="function", ordinal=7)
    assert 8 not in by_ordinal  # unused export-address-table slots are not exports


# --------------------------------------------------------------------------- LLVM cross-checks

_NM_KIND = {"T": "function", "t": "function", "i": "function", "D": "data", "d": "data", "B": "data", "b": "data",
            "R": "data", "r": "data", "S": "data", "s": "data", "V": "data", "A": "unknown"}
_NM_LINE = re.compile(r"^[0-9a-fA-F]*\s+(?P<letter>\S)\s+(?P<symbol>\S+)$")


def _nm_symbols(output: str) -> list[tuple[str, str]]:
    found = []
    for line in output.splitlines():
        match = _NM_LINE.match(line.strip())
        if match:
            found.append((match["letter"], match["symbol"]))
    return found


def _elf_from_nm(output: str) -> set[Export]:
    exports = set()
    for letter, symbol in _nm_symbols(output):
        name, separator, version = symbol.partition("@")
        default = version.startswith("@")
        exports.add(Export(name=name, kind=_NM_KIND[letter], version=version.lstrip("@") or None,  # type: ignore[arg-type]
                           default_version=default or not separator))
    return exports


@pytest.mark.parametrize("key", (*ELF_KEYS, "linux-x86_64-hidden-version"))
def test_elf_matches_llvm(plugin_artifacts: dict[str, Path], llvm: Any, key: str) -> None:
    path = plugin_artifacts[key]
    got = _only(path)
    assert set(got.exports) == _elf_from_nm(llvm.run("nm", "-D", "--defined-only", path))
    needed = llvm.run("readobj", "--needed-libs", path).split("NeededLibraries [", 1)[1].split("]", 1)[0]
    assert list(got.imports) == needed.split()
    dynamic = llvm.run("readobj", "--dynamic-table", path)
    assert re.findall(r"SONAME\s+Library soname: \[(.+)\]", dynamic) == [got.soname]
    undefined = llvm.run("nm", "-D", "--undefined-only", path)
    glibc = [tuple(map(int, v.split("."))) for v in re.findall(r"@GLIBC_([\d.]+)", undefined)]
    assert got.glibc_max == ".".join(map(str, max(glibc)))
    assert f"Arch: {got.arch}" in llvm.run("readobj", "--file-headers", path)


_TRIE_LINE = re.compile(r"^0x[0-9A-Fa-f]+\s+(?P<symbol>\S+)(?:\s+\[(?P<flag>[^\]]+)\])?$")
_LLVM_ARCH = {"x86_64": "x86_64", "aarch64": "arm64"}


def _macho_from_llvm(llvm: Any, path: Path, arch: str) -> set[Export]:
    """Names and flags from the export trie; function/data from the nlist section letters."""
    trie = llvm.run("objdump", "--macho", "--exports-trie", f"--arch={_LLVM_ARCH[arch]}", path)
    letters = dict((s, letter) for letter, s in _nm_symbols(
        llvm.run("nm", "--extern-only", "--defined-only", f"--arch={_LLVM_ARCH[arch]}", path)))
    exports = set()
    for line in trie.splitlines():
        match = _TRIE_LINE.match(line.strip())
        if not match:
            continue
        symbol, flag = match["symbol"], match["flag"]
        kind = {"absolute": "unknown", "per-thread": "data"}.get(flag or "", _NM_KIND[letters[symbol]])
        exports.add(Export(name=symbol.removeprefix("_"), kind=kind))  # type: ignore[arg-type]
    return exports


@pytest.mark.parametrize("key", (*MACHO_KEYS, "macos-universal", "macos-x86_64-version-min"))
def test_macho_matches_llvm(plugin_artifacts: dict[str, Path], llvm: Any, key: str) -> None:
    path = plugin_artifacts[key]
    for got in inspect_file(path):
        assert set(got.exports) == _macho_from_llvm(llvm, path, got.arch)
        assert len(got.exports) == len(set(got.exports))
        arch = f"--arch={_LLVM_ARCH[got.arch]}"
        dylibs = re.findall(r"^\t(\S+) \(compat", llvm.run("objdump", "--macho", "--dylibs-used", arch, path), re.M)
        identity = llvm.run("objdump", "--macho", "--dylib-id", arch, path).splitlines()[1:]
        assert [d for d in dylibs if d != got.soname] == list(got.imports)
        assert identity == ([got.soname] if got.soname else [])
        headers = llvm.run("objdump", "--macho", "--private-headers", arch, path)
        minos = re.findall(r"^\s*minos (\S+)$", headers, re.M)
        minos += re.findall(r"LC_VERSION_MIN_\w+\n\s*cmdsize \d+\n\s*version (\S+)", headers)
        assert minos == [got.min_os]


_PE_EXPORT_LINE = re.compile(
    r"^\s*(?P<ordinal>\d+)\s+(?P<rva>0x[0-9a-f]+|0)?\s*(?P<name>[^\s(]+)?\s*(?:\(forwarded to (?P<fwd>[^)]+)\))?$"
)


def _pe_from_llvm(output: str) -> set[tuple[str, int, str | None]]:
    table = output.split("Export Table:", 1)[1].split("\n\n", 1)[0]
    found = set()
    for line in table.split("Ordinal      RVA  Name\n", 1)[1].splitlines():
        match = _PE_EXPORT_LINE.match(line)
        assert match, line
        if match["rva"] == "0":  # an unused slot
            continue
        ordinal = int(match["ordinal"])
        found.add((match["name"] or f"#{ordinal}", ordinal, match["fwd"]))
    return found


@pytest.mark.parametrize("key", PE_KEYS)
def test_pe_matches_llvm(plugin_artifacts: dict[str, Path], llvm: Any, key: str) -> None:
    path = plugin_artifacts[key]
    got = _only(path)
    private = llvm.run("objdump", "-p", path)
    assert {(e.name, e.ordinal, e.forwarder) for e in got.exports} == _pe_from_llvm(private)
    assert list(got.imports) == re.findall(r"DLL Name: (\S+)", private)
    assert re.findall(r"^ DLL name: (\S+)$", private, re.M) == [got.soname]
    assert f"Arch: {got.arch}" in llvm.run("readobj", "--file-headers", path)


# --------------------------------------------------------------------------- is_binary


@pytest.mark.parametrize("key", ALL_KEYS)
def test_is_binary_for_every_artifact(plugin_artifacts: dict[str, Path], key: str) -> None:
    assert is_binary(plugin_artifacts[key]) is True


def test_is_binary_rejects_non_binaries(plugin_artifacts: dict[str, Path], tmp_path: Path) -> None:
    import_library = plugin_artifacts["windows-x86_64"].with_suffix(".lib")  # an ar archive
    assert import_library.exists()
    assert is_binary(import_library) is False
    assert is_binary(plugin_artifacts["linux-x86_64"].parent / "plugin.c") is False
    assert is_binary(tmp_path) is False  # a directory
    assert is_binary(tmp_path / "missing.so") is False


# --------------------------------------------------------------------------- hostile input


def _assert_rejected(path: Path, *fragments: str) -> str:
    with pytest.raises(InputError) as caught:
        inspect_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def _cut_points(size: int) -> list[int]:
    return sorted({4, 20, 64, size // 4, size // 2, 3 * size // 4, size - 16, size - 1})


@pytest.mark.parametrize("key", (*PLUGIN_KEYS, "macos-universal", "linux-x86_64-object", "macos-aarch64-object"))
def test_truncated_copies_are_rejected(plugin_artifacts: dict[str, Path], tmp_path: Path, key: str) -> None:
    data = plugin_artifacts[key].read_bytes()
    for cut in _cut_points(len(data)):
        copy = tmp_path / f"cut{cut}-{plugin_artifacts[key].name}"
        copy.write_bytes(data[:cut])
        message = _assert_rejected(copy)
        if cut >= len(data) // 4:
            assert "truncated" in message, message


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _noise(seed: int, size: int = 512) -> bytes:
    return random.Random(seed).randbytes(size)


def test_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.so", b"")
    assert is_binary(path) is False
    _assert_rejected(path, "empty file")


def test_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.dll"
    path.write_text("MZ is how this text starts, but it is not a PE file\n" * 4)
    assert is_binary(path) is False
    _assert_rejected(path, "not an ELF, Mach-O or PE binary")


@pytest.mark.parametrize("magic", [b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xce", b"\xca\xfe\xba\xbe\0\0\0\x02"])
def test_random_bytes_behind_a_binary_magic(tmp_path: Path, magic: bytes) -> None:
    for seed in range(5):
        path = _write(tmp_path / f"noise{seed}.bin", magic + _noise(seed))
        assert is_binary(path) is True
        _assert_rejected(path)


def test_random_bytes_behind_mz(tmp_path: Path) -> None:
    bare = _write(tmp_path / "bare-mz.dll", b"MZ" + _noise(1))
    assert is_binary(bare) is False  # no PE signature where e_lfanew points
    _assert_rejected(bare, "not an ELF, Mach-O or PE binary")
    dos = bytearray(b"MZ" + _noise(2, 254))
    dos[0x3C:0x40] = (0x80).to_bytes(4, "little")
    dos[0x80:0x84] = b"PE\0\0"
    signed = _write(tmp_path / "signed-noise.dll", bytes(dos) + _noise(3))
    assert is_binary(signed) is True
    _assert_rejected(signed, "PE")


def test_java_class_file_is_not_a_fat_binary(tmp_path: Path) -> None:
    path = _write(tmp_path / "Plugin.class", b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + _noise(4, 64))
    assert is_binary(path) is False
    _assert_rejected(path, "not an ELF, Mach-O or PE binary")


def test_unreadable_paths(tmp_path: Path) -> None:
    _assert_rejected(tmp_path, "cannot read")
    _assert_rejected(tmp_path / "missing.so", "cannot read")


def test_elf_version_index_nothing_defines(plugin_artifacts: dict[str, Path], tmp_path: Path,
                                          versym_patcher: Callable[..., bytes]) -> None:
    data = versym_patcher(plugin_artifacts["linux-x86_64"].read_bytes(), "plugin_init", lambda _: 9)
    _assert_rejected(_write(tmp_path / "badver.so", data), "plugin_init", "version index 9")


def test_fat_header_disagreeing_with_slice(plugin_artifacts: dict[str, Path], tmp_path: Path) -> None:
    data = bytearray(plugin_artifacts["macos-universal"].read_bytes())
    data[8:12], data[28:32] = data[28:32], data[8:12]  # swap the two fat_arch CPU types
    _assert_rejected(_write(tmp_path / "swapped.dylib", bytes(data)), "fat slice 0 claims CPU type")


def test_macho_load_command_overrun(plugin_artifacts: dict[str, Path], tmp_path: Path) -> None:
    data = bytearray(plugin_artifacts["macos-aarch64"].read_bytes())
    struct.pack_into("<I", data, 32 + 4, 0x10000)  # first load command's cmdsize
    _assert_rejected(_write(tmp_path / "overrun.dylib", bytes(data)), "overruns the load command area")


def test_pe_export_directory_with_more_names_than_functions(plugin_artifacts: dict[str, Path],
                                                            tmp_path: Path) -> None:
    import lief

    lief.logging.disable()
    data = bytearray(plugin_artifacts["windows-x86_64"].read_bytes())
    binary = lief.PE.parse(bytes(data))
    directory = binary.data_directory(lief.PE.DataDirectory.TYPES.EXPORT_TABLE)
    at = binary.rva_to_offset(directory.rva)
    (functions,) = struct.unpack_from("<I", data, at + 20)
    struct.pack_into("<I", data, at + 24, functions + 1)
    _assert_rejected(_write(tmp_path / "names.dll", bytes(data)), "export directory declares")


@pytest.mark.parametrize("key", (*PLUGIN_KEYS, "macos-universal"))
def test_mutated_headers_never_escape_as_other_errors(plugin_artifacts: dict[str, Path], tmp_path: Path,
                                                      key: str) -> None:
    """Seeded byte scribbles over the headers: either a full inspection or a one-line InputError."""
    data = plugin_artifacts[key].read_bytes()
    path = tmp_path / plugin_artifacts[key].name
    outcomes = {"inspected": 0, "rejected": 0}
    for seed in range(60):
        rng = random.Random(seed)
        mutated = bytearray(data)
        for _ in range(rng.choice((1, 2, 4, 8))):
            mutated[rng.randrange(min(len(data), 2048))] = rng.randrange(256)
        path.write_bytes(bytes(mutated))
        try:
            inspections = inspect_file(path)
        except InputError as error:
            assert "\n" not in str(error) and str(error).startswith(f"{path}: ")
            outcomes["rejected"] += 1
        else:
            assert inspections and all(isinstance(i, Inspection) for i in inspections)
            outcomes["inspected"] += 1
    assert outcomes["rejected"] > 0


def test_objects_and_executable_match_llvm(plugin_artifacts: dict[str, Path], llvm: Any) -> None:
    elf_object = plugin_artifacts["linux-x86_64-object"]
    assert _only(elf_object).exports == ()
    assert _elf_from_nm(llvm.run("nm", "-D", "--defined-only", elf_object)) == set()
    macho_object = plugin_artifacts["macos-aarch64-object"]
    trie = llvm.run("objdump", "--macho", "--exports-trie", macho_object)
    assert _only(macho_object).exports == () and not any(_TRIE_LINE.match(x.strip()) for x in trie.splitlines())
    executable = plugin_artifacts["macos-aarch64-executable"]
    names = {e.name for e in _macho_from_llvm(llvm, executable, "aarch64")}
    assert _only(executable).export_names == names == {"main", "_mh_execute_header", "__dso_handle"}


def test_non_utf8_export_name_is_escaped_text(plugin_artifacts: dict[str, Path], tmp_path: Path) -> None:
    """lief returns bytes for a name that is not UTF-8; inspect must still give text, escaped."""
    data = bytearray(plugin_artifacts["linux-x86_64"].read_bytes())
    at = data.index(b"plugin_init\x00")
    data[at + 3] = 0xFF
    broken = tmp_path / "libplugin.so"
    broken.write_bytes(bytes(data))
    (ins,) = inspect_file(broken)
    names = sorted(e.name for e in ins.exports)
    assert "plu\\xffin_init" in names
    assert all(isinstance(n, str) for n in names)


def test_every_artifact_reads_the_same_with_lief(plugin_artifacts: dict[str, Path]) -> None:
    """plugsmith's own readers against lief (plugsmith.inspection._lief), every field of every
    artifact: plugins, objects, executables, the fat file and the patched variants."""
    from plugsmith.inspection import _lief as lief_reader

    assert len(plugin_artifacts) >= 12
    for key, path in sorted(plugin_artifacts.items()):
        assert inspect_file(path) == lief_reader.inspect_file(path), key


def test_stripped_section_headers_read_through_the_dynamic_entries(plugin_artifacts: dict[str, Path],
                                                                   tmp_path: Path) -> None:
    """An ELF without section headers (e_shoff = e_shnum = 0, as sstrip leaves it) still loads: the
    tables are found through the dynamic entries and the hash table, with the same answer."""
    for key in ELF_KEYS:
        data = bytearray(plugin_artifacts[key].read_bytes())
        struct.pack_into("<Q", data, 0x28, 0)  # e_shoff
        struct.pack_into("<HHH", data, 0x3C, 0, 0, 0)  # e_shnum, e_shstrndx (and e_shentsize)
        stripped = _write(tmp_path / f"{key}-stripped.so", bytes(data))
        (ours,) = inspect_file(stripped)
        (full,) = inspect_file(plugin_artifacts[key])
        assert ours == Inspection(**{**{f: getattr(full, f) for f in full.__dataclass_fields__}, "path": stripped})


def _elf_section_header(data: bytes, name: str) -> int:
    """File offset of a 64-bit little-endian ELF's section header named ``name`` (read by hand)."""
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shnum, shstrndx = struct.unpack_from("<HH", data, 0x3C)
    (strings,) = struct.unpack_from("<Q", data, shoff + 64 * shstrndx + 24)
    for index in range(shnum):
        (name_at,) = struct.unpack_from("<I", data, shoff + 64 * index)
        if data[strings + name_at :].split(b"\0", 1)[0] == name.encode():
            return shoff + 64 * index
    raise AssertionError(f"no section {name}")


def test_elf_dynsym_entry_size_is_checked(plugin_artifacts: dict[str, Path], tmp_path: Path) -> None:
    data = bytearray(plugin_artifacts["linux-x86_64"].read_bytes())
    struct.pack_into("<Q", data, _elf_section_header(bytes(data), ".dynsym") + 56, 16)  # sh_entsize
    _assert_rejected(_write(tmp_path / "entsize.so", bytes(data)), "malformed ELF", ".dynsym entries are 16 bytes")


def test_elf_needed_name_outside_the_string_table(plugin_artifacts: dict[str, Path], tmp_path: Path) -> None:
    data = bytearray(plugin_artifacts["linux-x86_64"].read_bytes())
    (dynamic,) = struct.unpack_from("<Q", data, _elf_section_header(bytes(data), ".dynamic") + 24)  # sh_offset
    at = dynamic
    while struct.unpack_from("<Q", data, at)[0] != 1:  # DT_NEEDED
        at += 16
    struct.pack_into("<Q", data, at + 8, 0x7FFFFFFF)
    _assert_rejected(_write(tmp_path / "needed.so", bytes(data)), "DT_NEEDED: name offset 2147483647")


def test_macho_dylib_name_outside_its_command(plugin_artifacts: dict[str, Path], tmp_path: Path) -> None:
    data = bytearray(plugin_artifacts["macos-aarch64"].read_bytes())
    (ncmds,) = struct.unpack_from("<I", data, 16)
    at = 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, at)
        if cmd == 0xC:  # LC_LOAD_DYLIB
            break
        at += size
    else:
        raise AssertionError("no LC_LOAD_DYLIB")
    struct.pack_into("<I", data, at + 8, size)
    _assert_rejected(_write(tmp_path / "dylib.dylib", bytes(data)), "LC_LOAD_DYLIB", f"puts its name at {size}")
