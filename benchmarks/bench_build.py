#!/usr/bin/env python3
"""Build-engine benchmarks, measured in one run and printed as figures and ratios.

    PYTHONPATH=src python benchmarks/bench_build.py [--only NAME ...] [--plugins 20 --targets 12 --sources 50]

1. noop:   a no-op ``plugsmith build`` of the 6-target example (target <= 0.3 s wall).
2. warm:   a warm full build (``--force``) vs the same zig commands run raw in parallel, compiles
           then links, with ``xargs -P`` (target <= 1.10x).
3. big:    a generated project of P plugins x T targets x S sources: full build wall time, peak
           RSS, then a no-op rebuild.
4. verify: a 10,000-symbol contract on 24 targets: ``plugsmith maps`` + ``plugsmith verify``
           wall time (target < 5 s); the build itself is not timed.

Everything runs in a temporary folder with the shared zig cache ($PLUGSMITH_ZIG_CACHE or
~/.cache/plugsmith/zig); the first run of ``big`` and ``verify`` also fills that cache.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("PLUGSMITH_ZIG_CACHE", os.path.expanduser("~/.cache/plugsmith/zig")))
JOBS = os.cpu_count() or 2

TWELVE = ("linux-x86_64", "linux-aarch64", '{os: macos, arch: x86_64, min_os: "11.0"}',
          '{os: macos, arch: aarch64, min_os: "11.0"}', "windows-x86_64", "windows-aarch64",
          '{os: linux, arch: x86_64, glibc: "2.28"}', "linux-x86_64-musl", "linux-riscv64", "linux-armv7",
          "windows-x86", '{os: macos, arch: x86_64, min_os: "10.15", name: macos-x86_64-10.15}')

# macOS minimums stay <= 11.0: the release policy's default ceiling rejects newer ones.
TWENTY_FOUR = (*TWELVE, "linux-aarch64-musl", "linux-riscv64-musl", "linux-armv7-musl", "linux-x86",
               '{os: linux, arch: aarch64, glibc: "2.28"}', '{os: linux, arch: x86_64, glibc: "2.17"}',
               '{os: linux, arch: aarch64, glibc: "2.17"}', "linux-x86-musl",
               '{os: macos, arch: x86_64, min_os: "10.13", name: macos-x86_64-10.13}',
               '{os: macos, arch: x86_64, min_os: "10.14", name: macos-x86_64-10.14}',
               '{os: macos, arch: aarch64, min_os: "11.0", name: macos-aarch64-b}',
               '{os: linux, arch: riscv64, glibc: "2.28"}')


def env() -> dict[str, str]:
    e = dict(os.environ)
    e.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed plugsmith has its .pyc files: measure that
    e.update(PYTHONPATH=str(REPO / "src"), PLUGSMITH_ZIG_CACHE=str(CACHE), ZIG_GLOBAL_CACHE_DIR=str(CACHE),
             ZIG_LOCAL_CACHE_DIR=str(CACHE))
    return e


def plugsmith(root: Path, *args: str) -> tuple[float, int, subprocess.CompletedProcess[str]]:
    """Run the CLI; return (wall seconds, peak RSS in MiB of the process tree's largest process, result)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "plugsmith", *args], cwd=root, env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    rss = _peak_rss_mib()
    result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    if proc.returncode != 0:
        sys.exit(f"plugsmith {' '.join(args)} failed ({proc.returncode}):\n{err[-4000:]}")
    return wall, rss, result


def _peak_rss_mib() -> int:
    """Largest resident set of any finished child process so far (plugsmith itself or a zig)."""
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024


def copy_example(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in ("build_matrix.yaml", "symbols", "plugins"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / name)
    return dest


def bench_noop(tmp: Path) -> dict[str, float]:
    root = copy_example(tmp / "noop")
    plugsmith(root, "build", "--no-progress")
    walls = [plugsmith(root, "build", "--no-progress")[0] for _ in range(7)]
    python = [_timed([sys.executable, "-c", "pass"]) for _ in range(7)]
    return {"noop_wall_s": statistics.median(walls), "python_startup_s": statistics.median(python)}


def _timed(argv: list[str], **kw: object) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, env=env(), **kw)  # type: ignore[call-overload]
    return time.perf_counter() - start


def bench_warm(tmp: Path) -> dict[str, float]:
    figures = _warm(copy_example(tmp / "warm"), tmp, "warm", runs=5)
    medium = tmp / "warm-medium"
    generate(medium, 4, TWELVE[:6], 10)
    figures.update(_warm(medium, tmp, "warm_medium", runs=3))
    return figures


def _warm(root: Path, tmp: Path, prefix: str, runs: int) -> dict[str, float]:
    plugsmith(root, "build", "--no-progress")  # warm zig's cache for exactly these commands
    walls, raws = [], []
    count = 0
    for _ in range(runs):
        wall, _, result = plugsmith(root, "build", "--no-progress", "--force", "-v", f"-j{JOBS}")
        commands = [line[4:] for line in result.stderr.splitlines() if line.startswith("  $ ")]
        count = len(commands)
        compiles = [c for c in commands if " -c " in c]
        links = [c for c in commands if " -c " not in c]
        for command in links:  # the scratch folders plugsmith created and removed
            argv = shlex.split(command)
            Path(argv[argv.index("-o") + 1]).parent.mkdir(parents=True, exist_ok=True)
        raws.append(_xargs(compiles, tmp) + _xargs(links, tmp))
        walls.append(wall)
    return {f"{prefix}_zig_processes": count, f"{prefix}_plugsmith_s": statistics.median(walls),
            f"{prefix}_raw_s": statistics.median(raws),
            f"{prefix}_ratio": statistics.median(walls) / statistics.median(raws)}


def _xargs(commands: list[str], tmp: Path) -> float:
    listing = tmp / "commands.txt"
    listing.write_text("\n".join(commands) + "\n")
    start = time.perf_counter()
    subprocess.run(["xargs", "-d", "\n", "-P", str(JOBS), "-I{}", "sh", "-c", "{}"], stdin=listing.open(),
                   check=True, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def generate(root: Path, plugins: int, targets: tuple[str, ...], sources: int, symbols: int = 2,
             contract_name: str = "") -> None:
    lines = ["version: 1", "project: generated", "plugins:"]
    for p in range(plugins):
        name = f"p{p:02d}"
        folder = root / "plugins" / name
        folder.mkdir(parents=True)
        (folder / f"{name}.h").write_text(f"#define {name.upper()}_BASE {p}\nint {name}_helper(int x);\n")
        srcs = []
        for s in range(sources):
            body = f'#include "{name}.h"\nint {name}_f{s}(int x) {{ return {name}_helper(x) + {s}; }}\n'
            if s == 0:
                body += f"int {name}_helper(int x) {{ return x * 2 + {name.upper()}_BASE; }}\n"
            if s == 1:
                body += "".join(f"int {name}_api{k}(int x) {{ return x + {k}; }}\n" for k in range(symbols))
            (folder / f"s{s:03d}.c").write_text(body)
            srcs.append(f"plugins/{name}/s{s:03d}.c")
        contract = root / "symbols" / f"{name}.symbols"
        contract.parent.mkdir(exist_ok=True)
        contract.write_text("version 1\n[API_1]\n" + "".join(f"{name}_api{k} function\n" for k in range(symbols)))
        lines += [f"  - name: {name}", f"    sources: [{', '.join(srcs)}]", f"    contract: symbols/{name}.symbols"]
    lines.append("targets:")
    lines += [f"  - {t}" for t in targets]
    lines += ["defaults:", "  cflags: [-Wall]"]
    (root / "build_matrix.yaml").write_text("\n".join(lines) + "\n")


def bench_big(tmp: Path, plugins: int, targets: int, sources: int) -> dict[str, float]:
    root = tmp / "big"
    generate(root, plugins, TWELVE[:targets], max(sources, 2))
    wall, rss, _ = plugsmith(root, "build", "--no-progress", f"-j{JOBS}")
    noop, _, _ = plugsmith(root, "build", "--no-progress")
    return {"big_plugins": plugins, "big_targets": targets, "big_sources": max(sources, 2),
            "big_zig_processes": plugins * targets * (max(sources, 2) + 1),
            "big_full_build_s": wall, "big_peak_rss_mib": rss, "big_noop_s": noop}


def bench_verify(tmp: Path) -> dict[str, float]:
    root = tmp / "verify"
    generate(root, 1, TWENTY_FOUR, 2, symbols=10_000)
    build_wall, _, _ = plugsmith(root, "build", "--no-progress", f"-j{JOBS}")
    maps_wall, _, _ = plugsmith(root, "maps")
    verify_wall, _, _ = plugsmith(root, "verify")  # exits non-zero (and the script stops) unless all agree
    json_wall, _, _ = plugsmith(root, "verify", "--json")
    return {"verify_targets": len(TWENTY_FOUR), "verify_symbols": 10_000, "verify_build_s": build_wall,
            "maps_s": maps_wall, "verify_s": verify_wall, "verify_json_s": json_wall,
            "maps_plus_verify_s": maps_wall + verify_wall}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", choices=("noop", "warm", "big", "verify"), default=[])
    ap.add_argument("--plugins", type=int, default=20)
    ap.add_argument("--targets", type=int, default=12, choices=range(1, 13), metavar="1..12")
    ap.add_argument("--sources", type=int, default=50)
    args = ap.parse_args()
    chosen = args.only or ["noop", "warm", "big", "verify"]
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="plugsmith-bench-") as name:
        tmp = Path(name)
        if "noop" in chosen:
            figures.update(bench_noop(tmp))
        if "warm" in chosen:
            figures.update(bench_warm(tmp))
        if "big" in chosen:
            figures.update(bench_big(tmp, args.plugins, args.targets, args.sources))
        if "verify" in chosen:
            figures.update(bench_verify(tmp))
    print(f"cpus: {JOBS}  python: {sys.version.split()[0]}")
    checks = [("noop_wall_s", 0.3, "no-op rebuild <= 0.3 s"),
              ("warm_ratio", 1.10, "warm build / raw zig <= 1.10x (6-target example)"),
              ("warm_medium_ratio", 1.10, "warm build / raw zig <= 1.10x (4 plugins x 6 targets x 10 sources)"),
              ("maps_plus_verify_s", 5.0, "maps + verify of 10,000 symbols x 24 targets < 5 s")]
    print_figures(figures, checks, width=24, digits=3)


def print_figures(figures: dict[str, float], checks: list[tuple[str, float, str]], *, width: int, digits: int) -> None:
    """Every figure, then PASS or MISS per target (``(key, limit, what)``) whose figure was measured."""
    for key, value in figures.items():
        print(f"{key:{width}} {value:.3f}" if isinstance(value, float) else f"{key:{width}} {value}")
    for key, limit, what in checks:
        if key in figures:
            print(f"{'PASS' if figures[key] <= limit else 'MISS'}  {what}: {figures[key]:.{digits}f}")


if __name__ == "__main__":
    main()
