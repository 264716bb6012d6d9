"""inspect_many and the inspection cache on real plugins (session fixture ``plugin_artifacts``):
order, errors, cache hit/miss/corruption/concurrency, the memory bound and lief's lazy import."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from plugsmith.errors import InputError
from plugsmith.inspection import InspectionCache, inspect_file, inspect_many
from plugsmith.inspection import _cache as cache_module

KEYS = ("linux-x86_64", "macos-aarch64", "windows-x86_64", "macos-universal", "linux-aarch64")


def _copy(plugin_artifacts: dict[str, Path], dest: Path, keys: tuple[str, ...] = KEYS) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for key in keys:
        target = dest / f"{key}-{plugin_artifacts[key].name}"
        shutil.copyfile(plugin_artifacts[key], target)
        out.append(target)
    return out


def _objects(root: Path) -> list[Path]:
    return sorted((root / "objects").rglob("*.json"))


def test_order_and_errors_match_inspect_file(plugin_artifacts: dict[str, Path], tmp_path: Path) -> None:
    paths = _copy(plugin_artifacts, tmp_path / "in")
    junk = tmp_path / "in" / "notes.txt"
    junk.write_text("hello")
    missing = tmp_path / "in" / "gone.so"
    order = [paths[0], junk, *paths[1:3], missing, *paths[3:]]
    got = inspect_many(order, jobs=2, cache=None)
    assert len(got) == len(order)
    for path, result in zip(order, got, strict=True):
        if path in (junk, missing):
            assert isinstance(result, InputError)
            with pytest.raises(InputError) as direct:
                inspect_file(path)
            assert result.message == direct.value.message
            assert str(result.location) == str(direct.value.location)
        else:
            assert result == inspect_file(path)
    assert got[1].message == "not an ELF, Mach-O or PE binary (unknown magic bytes)"  # type: ignore[union-attr]
    assert got[4].message == "cannot read: No such file or directory"  # type: ignore[union-attr]


def test_in_process_and_pool_agree(plugin_artifacts: dict[str, Path], tmp_path: Path) -> None:
    paths = _copy(plugin_artifacts, tmp_path / "in")
    assert inspect_many(paths, jobs=1, cache=None) == inspect_many(paths, jobs=3, cache=None)
    assert inspect_many([], cache=None) == []


def test_cache_hit_is_the_same_answer_without_lief(plugin_artifacts: dict[str, Path], tmp_path: Path) -> None:
    paths = _copy(plugin_artifacts, tmp_path / "in")
    cache = InspectionCache(tmp_path / "cache")
    first = inspect_many(paths, cache=cache)
    assert len(_objects(cache.root)) == len(paths)
    # A hit reads JSON only: run it where lief cannot be imported at all.
    script = textwrap.dedent(f"""
        import sys
        sys.modules["lief"] = None  # any import of lief now fails
        from pathlib import Path
        from plugsmith.inspection import InspectionCache, inspect_many
        got = inspect_many({[str(p) for p in paths]!r}, cache=InspectionCache(Path({str(cache.root)!r})))
        print(repr(got))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert "InputError" not in out.stdout
    assert inspect_many(paths, cache=cache) == first
    copy = tmp_path / "renamed.so"  # same bytes under another name: a content hit, reported at its own path
    shutil.copyfile(paths[0], copy)
    (again,) = inspect_many([copy], cache=cache)
    assert again == tuple(inspect_file(copy))
    assert len(_objects(cache.root)) == len(paths)


def test_one_flipped_byte_is_seen(plugin_artifacts: dict[str, Path], tmp_path: Path) -> None:
    """Same size, same mtime (restored), written right after caching: the answer must change."""
    (path,) = _copy(plugin_artifacts, tmp_path / "in", ("linux-x86_64",))
    cache = InspectionCache(tmp_path / "cache")
    (before,) = inspect_many([path], cache=cache)
    assert isinstance(before, tuple)
    name = min(before[0].export_names).encode()
    data = path.read_bytes()
    at = data.index(name)  # in .dynstr, the first string table of the file
    stat = path.stat()
    path.write_bytes(data[:at] + b"Q" + data[at + 1 :])
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    (after,) = inspect_many([path], cache=cache)
    assert isinstance(after, tuple)
    assert after == inspect_file(path)
    assert after[0].export_names != before[0].export_names


def test_stat_record_is_trusted_only_when_not_racy(plugin_artifacts: dict[str, Path], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (path,) = _copy(plugin_artifacts, tmp_path / "in", ("windows-x86_64",))
    cache = InspectionCache(tmp_path / "cache")
    hashed: list[Path] = []
    real = cache_module.content_digest
    monkeypatch.setattr(cache_module, "content_digest", lambda p: hashed.append(p) or real(p))
    inspect_many([path], cache=cache)
    inspect_many([path], cache=cache)
    assert hashed == [path, path]  # just written: its timestamps may not tell a later write apart
    for record in (cache.root / "stat").glob("*.json"):
        raw = json.loads(record.read_text())
        record.write_text(json.dumps({**raw, "checked_ns": raw["checked_ns"] + 10 * 10**9}))
    inspect_many([path], cache=cache)
    assert hashed == [path, path]  # old enough: the stat key alone finds it


def test_corrupt_entry_is_ignored_and_rewritten(plugin_artifacts: dict[str, Path], tmp_path: Path) -> None:
    (path,) = _copy(plugin_artifacts, tmp_path / "in", ("macos-aarch64",))
    cache = InspectionCache(tmp_path / "cache")
    (truth,) = inspect_many([path], cache=cache)
    (entry,) = _objects(cache.root)
    for garbage in ("{not json", json.dumps({"inspections": [{"format": "elf"}]}), ""):
        entry.write_text(garbage)
        assert inspect_many([path], cache=cache) == [truth]
        assert json.loads(entry.read_text())["inspections"][0]["arch"] == "aarch64"


def test_disabled_cache_writes_nothing(plugin_artifacts: dict[str, Path], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGSMITH_CACHE_DIR", str(tmp_path / "env-cache"))
    paths = _copy(plugin_artifacts, tmp_path / "in", ("linux-x86_64",))
    inspect_many(paths, cache=None)
    assert not (tmp_path / "env-cache").exists()
    inspect_many(paths)  # the default cache follows PLUGSMITH_CACHE_DIR
    assert len(_objects(tmp_path / "env-cache")) == 1


def test_no_cache_flag(plugin_artifacts: dict[str, Path], tmp_path: Path) -> None:
    from plugsmith.cli.common import Parser, cache_options, inspection_cache

    parser = Parser()
    cache_options(parser)
    assert inspection_cache(parser.parse_args(["--no-cache"])) is None
    assert isinstance(inspection_cache(parser.parse_args([])), InspectionCache)


def test_concurrent_writers(plugin_artifacts: dict[str, Path], tmp_path: Path) -> None:
    paths = _copy(plugin_artifacts, tmp_path / "in")
    root = tmp_path / "cache"
    script = textwrap.dedent(f"""
        from pathlib import Path
        from plugsmith.inspection import InspectionCache, inspect_many
        cache = InspectionCache(Path({str(root)!r}))
        for _ in range(3):
            got = inspect_many({[str(p) for p in paths]!r}, jobs=1, cache=cache)
            assert all(isinstance(r, tuple) for r in got), got
            for entry in (Path({str(root)!r}) / "objects").rglob("*.json"):
                entry.unlink(missing_ok=True)  # race the other writer on every round
    """)
    runs = [subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    assert not list(root.rglob(".tmp-*"))
    cache = InspectionCache(root)
    assert inspect_many(paths, cache=cache) == inspect_many(paths, cache=None)


def test_cache_is_bounded(plugin_artifacts: dict[str, Path], tmp_path: Path) -> None:
    paths = _copy(plugin_artifacts, tmp_path / "in")
    cache = InspectionCache(tmp_path / "cache", limit=4096)
    inspect_many(paths, cache=cache)
    total = sum(p.stat().st_size for p in (tmp_path / "cache").rglob("*.json"))
    assert 0 < total <= 4096


def test_sparse_2gb_file_costs_what_its_headers_declare(plugin_artifacts: dict[str, Path], tmp_path: Path) -> None:
    """A real ELF followed by ~2 GB of holes: read without loading it whole, under an address-space
    limit of the file's size plus 1 GiB (the old reader needed 6.3 GB)."""
    path = tmp_path / "libhuge.so"
    shutil.copyfile(plugin_artifacts["linux-x86_64"], path)
    os.truncate(path, 2_000_000_000)
    limit = 2_000_000_000 + (1 << 30)
    script = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
        from pathlib import Path
        from plugsmith.inspection import inspect_many
        (got,) = inspect_many([Path({str(path)!r})], cache=None)
        print(sorted(got[0].export_names))
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    names, rss_kib = out.stdout.splitlines()
    assert names == repr(sorted(inspect_file(plugin_artifacts["linux-x86_64"])[0].export_names))
    assert int(rss_kib) < 300 * 1024


def test_headers_declaring_too_much_are_refused(plugin_artifacts: dict[str, Path], tmp_path: Path) -> None:
    """A section claiming 3 GiB at the start of a sparse 3 GiB file: refused, never read."""
    import struct

    data = bytearray(plugin_artifacts["linux-x86_64"].read_bytes())
    shoff, = struct.unpack_from("<Q", data, 0x28)
    struct.pack_into("<QQ", data, shoff + 64 + 0x18, 0, 3 << 30)  # section 1: sh_offset, sh_size
    path = tmp_path / "libclaims.so"
    path.write_bytes(data)
    os.truncate(path, 3 << 30)
    (got,) = inspect_many([path], cache=None)
    assert isinstance(got, InputError)
    assert got.message == (f"malformed ELF: its headers declare {3 << 30} bytes of tables and segments; "
                           f"plugsmith reads at most {2 << 30} bytes of one file")


def test_help_does_not_import_lief() -> None:
    script = ("import sys, runpy\nsys.argv = ['plugsmith', '--help']\n"
              "try:\n    runpy.run_module('plugsmith', run_name='__main__')\nexcept SystemExit:\n    pass\n"
              "print(sorted(m for m in ('lief', 'rich', 'plugsmith.inspection') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.splitlines()[-1] == "[]"


def test_worth_caching_weighs_reading_against_hashing_and_loading() -> None:
    """A file is cached only when reading it cost more than hashing its bytes and loading the entry
    back would: a 107 MiB library read in 3 ms is not; a small plugin read in 1 ms is."""
    worth = InspectionCache.worth_caching
    assert worth(10_000, 0.001, 9) is True
    assert worth(107 << 20, 0.003, 5) is False  # hashing alone: ~0.1 s
    assert worth(500_000, 0.04, 10_000) is False  # loading 10,000 exports back: ~0.05 s
    assert worth(500_000, 0.2, 10_000) is True
