#!/usr/bin/env python3
"""Verify benchmarks against LLVM's per-format export listing, on the same files in one run.

    PYTHONPATH=src python benchmarks/bench_verify.py [--only release|synthetic] [--repeat 3]

1. release: six wheels of one real release (polars 1.20.0: Linux/macOS/Windows x x86_64/arm64,
   ~575 MB of native libraries), downloaded once with ``pip download`` into
   ~/.cache/plugsmith-bench and checked against pinned sha256 digests. Timed, best of --repeat:
   LLVM (llvm-nm -D, llvm-objdump --macho --exports-trie, llvm-readobj --coff-exports, one process
   per file as a release script would run them); ``inspect_many`` in this process, cold (no cache)
   and warm (cache filled); ``plugsmith verify --json --no-policy --no-project`` as a subprocess,
   cold (``PLUGSMITH_CACHE_DIR`` empty) and warm; the peak RSS of that subprocess vs the largest
   input. Children run with bytecode files written (as an installed plugsmith has them), and each
   figure also has its CPU seconds (user + system): on a shared machine wall time swings with
   the load, CPU time much less. Targets: cold <= 2.0x LLVM, warm <= 0.5x.
2. synthetic: 10,000-symbol contract x 24 targets, ``plugsmith maps`` + ``plugsmith verify``
   (bench_build.py's case; target < 2 s). ``--synthetic-dir DIR`` reuses a project generated and
   built there by an earlier run (the build of 24 targets takes minutes; it is not what is timed).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DOWNLOADS = Path(os.environ.get("PLUGSMITH_BENCH_CACHE", Path.home() / ".cache" / "plugsmith-bench"))
PROJECT = "polars==1.20.0"
# (pip --platform tag, wheel file name, sha256 from PyPI, member, LLVM listing)
WHEELS = (
    ("manylinux_2_17_x86_64", "polars-1.20.0-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
     "4996e17cb6f57d9aeaf79f66c54ef2913cea7bd025410c076ef8c05d4f7d792a", "polars/polars.abi3.so", "elf"),
    ("manylinux_2_24_aarch64", "polars-1.20.0-cp39-abi3-manylinux_2_24_aarch64.whl",
     "d488ffb92d4934d9c326fa2d0fb2e9a4e3c2c625c59f4a77a77e4acd4d5a0d66", "polars/polars.abi3.so", "elf"),
    ("macosx_10_12_x86_64", "polars-1.20.0-cp39-abi3-macosx_10_12_x86_64.whl",
     "9a313e10ea80b99a0d32bfb942b2260b9658155287b0c2ac5876323acaff4f2c", "polars/polars.abi3.so", "macho"),
    ("macosx_11_0_arm64", "polars-1.20.0-cp39-abi3-macosx_11_0_arm64.whl",
     "4474bd004376599f7e4906bd350026cbbe805ba604121090578a97f63da15381", "polars/polars.abi3.so", "macho"),
    ("win_amd64", "polars-1.20.0-cp39-abi3-win_amd64.whl",
     "5ce417d2b6d4f3b8f422fcb3482039e8076182cceacbd880175fe970c6f99c84", "polars/polars.pyd", "pe"),
    ("win_arm64", "polars-1.20.0-cp39-abi3-win_arm64.whl",
     "f474f3d65450138cd2dbab2d9b6041b8646c30fad0b28e6d62457788f994bf62", "polars/polars.pyd", "pe"),
)
LLVM = {"elf": ("llvm-nm", "-D"), "macho": ("llvm-objdump", "--macho", "--exports-trie"),
        "pe": ("llvm-readobj", "--coff-exports")}


def sha256(path: Path) -> str:
    from plugsmith.provenance import sha256_file

    return sha256_file(path)


def fetch() -> list[tuple[Path, str]]:
    """The six libraries, extracted once next to their wheels: (path, format)."""
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    out = []
    for tag, name, digest, member, fmt in WHEELS:
        wheel = DOWNLOADS / name
        if not wheel.exists():
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                            "--platform", tag, "--python-version", "3.11", PROJECT, "-d", str(DOWNLOADS)],
                           check=True, timeout=900)
        if sha256(wheel) != digest:
            sys.exit(f"{wheel}: sha256 does not match the pinned {digest}; delete it and run again")
        library = DOWNLOADS / "x" / tag / Path(member).name
        if not library.exists():
            library.parent.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(wheel) as archive, archive.open(member) as src, open(library, "wb") as dst:
                shutil.copyfileobj(src, dst)
        out.append((library, fmt))
    return out


def best(repeat: int, run: Callable[[], object]) -> float:
    return best_with_cpu(repeat, run)[0]


def best_with_cpu(repeat: int, run: Callable[[], object]) -> tuple[float, float]:
    """(best wall seconds, best CPU seconds of this process and its children) over ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        before, start = os.times(), time.perf_counter()
        run()
        walls.append(time.perf_counter() - start)
        after = os.times()
        cpus.append(sum(after[:4]) - sum(before[:4]))
    return min(walls), min(cpus)


def child_env(cache_dir: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "PLUGSMITH_CACHE_DIR": str(cache_dir)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def llvm_listing(files: list[tuple[Path, str]]) -> None:
    for path, fmt in files:
        tool, *flags = LLVM[fmt]
        subprocess.run([shutil.which(tool) or tool, *flags, str(path)], check=True, timeout=120,
                       stdout=subprocess.DEVNULL)


def cli_verify(files: list[tuple[Path, str]], cache_dir: Path) -> int:
    """``plugsmith verify --json`` on the six files; returns the child's peak RSS in KiB."""
    proc = subprocess.run([sys.executable, "-m", "plugsmith", "verify", "--json", "--no-policy", "--no-project",
                           *(str(p) for p, _ in files)], env=child_env(cache_dir), capture_output=True, text=True,
                          timeout=600, check=False)
    if proc.returncode not in (0, 1):  # 1: the release's own cross-platform differences
        sys.exit(f"plugsmith verify failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def bench_release(repeat: int) -> dict[str, float]:
    sys.path.insert(0, str(REPO / "src"))
    from plugsmith.inspection import InspectionCache, inspect_many

    files = fetch()
    paths = [p for p, _ in files]
    for path in paths:  # page cache warm for everyone: this measures parsing, not the disk
        sha256(path)
    llvm, llvm_cpu = best_with_cpu(repeat, lambda: llvm_listing(files))
    with tempfile.TemporaryDirectory() as tmp:
        cold_api = best(repeat, lambda: inspect_many(paths, cache=None))
        cache = InspectionCache(Path(tmp) / "api-cache")
        inspect_many(paths, cache=cache)
        cached = _entries(cache.root)
        warm_api = best(repeat, lambda: inspect_many(paths, cache=cache))
        cli_verify(files, Path(tmp) / "pyc")  # bytecode written once, as an installed plugsmith has it

        def cold_cli() -> None:
            shutil.rmtree(Path(tmp) / "cli-cache", ignore_errors=True)
            cli_verify(files, Path(tmp) / "cli-cache")

        cold, cold_cpu = best_with_cpu(repeat, cold_cli)
        rss_kib = cli_verify(files, Path(tmp) / "cli-cache")
        warm, warm_cpu = best_with_cpu(repeat, lambda: cli_verify(files, Path(tmp) / "cli-cache"))
    largest = max(p.stat().st_size for p in paths)
    return {"release_bytes": sum(p.stat().st_size for p in paths), "largest_input_mib": largest / 2**20,
            "llvm_s": llvm, "llvm_cpu_s": llvm_cpu, "api_cold_s": cold_api, "api_warm_s": warm_api,
            "cached_files": cached, "cli_cold_s": cold, "cli_cold_cpu_s": cold_cpu, "cli_warm_s": warm,
            "cli_warm_cpu_s": warm_cpu, "api_cold_ratio": cold_api / llvm, "api_warm_ratio": warm_api / llvm,
            "cli_cold_ratio": cold / llvm, "cli_warm_ratio": warm / llvm,
            "cli_cold_cpu_ratio": cold_cpu / llvm_cpu, "cli_warm_cpu_ratio": warm_cpu / llvm_cpu,
            "peak_rss_mib": rss_kib / 1024}


def _entries(root: Path) -> int:
    """How many files the cache holds: a file is stored only when reading it cost more than hashing
    it and loading the entry would (inspection._cache), which a large library read in ms never does."""
    return len(list((root / "objects").rglob("*.json"))) if (root / "objects").is_dir() else 0


def bench_synthetic(built: Path | None, repeat: int) -> dict[str, float]:
    sys.path.insert(0, str(HERE))
    import bench_build

    if built is None:
        with tempfile.TemporaryDirectory() as tmp:
            got = bench_build.bench_verify(Path(tmp))
        return {"synthetic_maps_s": got["maps_s"], "synthetic_verify_s": got["verify_s"],
                "synthetic_verify_json_s": got["verify_json_s"],
                "synthetic_maps_plus_verify_s": got["maps_plus_verify_s"]}
    if not (built / "dist").is_dir():
        bench_build.generate(built, 1, bench_build.TWENTY_FOUR, 2, symbols=10_000)
        bench_build.plugsmith(built, "build", "--no-progress", f"-j{bench_build.JOBS}")
    with tempfile.TemporaryDirectory() as tmp:
        def run(*args: str) -> None:
            subprocess.run([sys.executable, "-m", "plugsmith", *args], cwd=built, env=child_env(Path(tmp)),
                           stdout=subprocess.DEVNULL, check=True, timeout=600)

        run("verify")  # bytecode written, cache entries (if any are worth it) filled
        maps, maps_cpu = best_with_cpu(repeat, lambda: run("maps"))
        verify, verify_cpu = best_with_cpu(repeat, lambda: run("verify"))
        json_wall, _ = best_with_cpu(repeat, lambda: run("verify", "--json"))
        cold, cold_cpu = best_with_cpu(repeat, lambda: run("verify", "--no-cache"))
    return {"synthetic_maps_s": maps, "synthetic_maps_cpu_s": maps_cpu, "synthetic_verify_s": verify,
            "synthetic_verify_cpu_s": verify_cpu, "synthetic_verify_json_s": json_wall,
            "synthetic_verify_no_cache_s": cold, "synthetic_verify_no_cache_cpu_s": cold_cpu,
            "synthetic_maps_plus_verify_s": maps + verify, "synthetic_maps_plus_verify_cpu_s": maps_cpu + verify_cpu}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", choices=("release", "synthetic"), default=[])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--synthetic-dir", type=Path, help="reuse (or generate and build once) the synthetic project here")
    args = ap.parse_args()
    chosen = args.only or ["release", "synthetic"]
    figures: dict[str, float] = {}
    if "release" in chosen:
        figures |= bench_release(args.repeat)
    if "synthetic" in chosen:
        figures |= bench_synthetic(args.synthetic_dir, args.repeat)
    checks = [("cli_cold_ratio", 2.0, "cold verify <= 2.0x LLVM"), ("cli_warm_ratio", 0.5, "warm verify <= 0.5x LLVM"),
              ("cli_cold_cpu_ratio", 2.0, "cold verify <= 2.0x LLVM, CPU seconds"),
              ("cli_warm_cpu_ratio", 0.5, "warm verify <= 0.5x LLVM, CPU seconds"),
              ("api_cold_ratio", 2.0, "cold inspect_many <= 2.0x LLVM"),
              ("api_warm_ratio", 0.5, "warm inspect_many <= 0.5x LLVM"),
              ("synthetic_maps_plus_verify_s", 2.0, "maps + verify, 10,000 symbols x 24 targets < 2 s"),
              ("synthetic_maps_plus_verify_cpu_s", 2.0, "maps + verify, 10,000 symbols x 24 targets < 2 s CPU")]
    sys.path.insert(0, str(HERE))
    from bench_build import print_figures

    print_figures(figures, checks, width=30, digits=2)


if __name__ == "__main__":
    main()
