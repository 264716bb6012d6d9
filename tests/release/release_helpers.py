"""Release-verification helpers (fixtures in conftest.py): real artifacts built once per session with zig.

- ``greet_dist``: the example plugin for all six default targets, built with plugsmith's own
  API (matrix -> plan -> build) into a session folder, as if by three CI runners;
- ``extras``: small one-off libraries built with ``python -m ziglang cc`` that each break (or
  keep) one release-policy rule: an extra imported library, glibc 2.28 symbols, macOS 13.0
  minimum, a foreign install name, an "export everything" link (and its mapped twin), and a
  debug-CRT import patched into a real DLL;
- ``fat_greet``: a fat Mach-O made from the two greet dylibs.

Every zig call shares one cache (``PLUGSMITH_TEST_ZIG_CACHE``, default ~/.cache/plugsmith/zig).
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = os.environ.get("PLUGSMITH_TEST_ZIG_CACHE", os.path.expanduser("~/.cache/plugsmith/zig"))
SIX = ("linux-x86_64", "linux-aarch64", "macos-x86_64", "macos-aarch64", "windows-x86_64", "windows-aarch64")
GREET_FILES = {"linux": "libgreet.so", "macos": "libgreet.dylib", "windows": "greet.dll"}
ARTIFACTS_DIR = REPO / "test-artifacts"


def zig_env() -> dict[str, str]:
    env = dict(os.environ)
    for key in ("PLUGSMITH_ZIG_CACHE", "ZIG_GLOBAL_CACHE_DIR", "ZIG_LOCAL_CACHE_DIR"):
        env[key] = CACHE
    return env


def zigcc(*args: str, cwd: Path) -> None:
    argv = [sys.executable, "-m", "ziglang", "cc", *args]
    proc = subprocess.run(argv, cwd=cwd, env=zig_env(), capture_output=True, text=True, timeout=900, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"zig cc failed ({proc.returncode}): {' '.join(argv)}\n{proc.stdout}{proc.stderr}")


def greet_path(dist: Path, target: str) -> Path:
    return dist / target / GREET_FILES[target.split("-", 1)[0]]


EXTRA_C = {
    "helper.c": "int helper_twice(int x) { return 2 * x; }\n",
    "needy.c": "int helper_twice(int);\nint needy_run(int x) { return helper_twice(x) + 1; }\n",
    "rand.c": "#include <sys/random.h>\nint rand_bytes(void) { char b[4]; return (int)getrandom(b, 4, 0); }\n",
    "plain.c": "#include <stdio.h>\nint plain_print(const char *s) { return printf(\"%s\\n\", s); }\n",
    "mac.c": "int mac_add(int a, int b) { return a + b; }\n",
    "everything.c": "".join(f"int ea_helper_{i}(int x) {{ return x + {i}; }}\n" for i in range(30))
    + "int ea_one(int x) { return ea_helper_0(x); }\nint ea_two(int x) { return ea_helper_1(x); }\n",
    "many.c": "".join(f"int many_{i:04d}(int x) {{ return x * {i}; }}\n" for i in range(1200)),
}
EA_MAP = "EA_1.0 {\n  global: ea_one; ea_two;\n  local: *;\n};\n"
EA_CONTRACT = "version 1\n[EA_1.0]\nea_one function\nea_two function\n"


def patch_import(src: Path, dest: Path, old: bytes, new: bytes) -> Path:
    """A real DLL whose import name ``old`` now reads ``new`` (NUL-padded): a debug-CRT import."""
    data = src.read_bytes()
    assert data.count(old + b"\0") == 1 and len(new) <= len(old)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data.replace(old + b"\0", new + b"\0" * (len(old) - len(new) + 1)))
    return dest


def make_fat(slices: list[Path], dest: Path) -> Path:
    """A fat Mach-O (FAT_MAGIC, 2^14 alignment) of thin dylibs, built like lipo does."""
    align = 14
    header = struct.pack(">II", 0xCAFEBABE, len(slices))
    offset = 1 << align
    arches, blobs = b"", []
    for path in slices:
        data = path.read_bytes()
        magic = struct.unpack("<I", data[:4])[0]
        assert magic == 0xFEEDFACF
        cputype, cpusubtype = struct.unpack("<ii", data[4:12])
        arches += struct.pack(">iiIII", cputype, cpusubtype, offset, len(data), align)
        blobs.append((offset, data))
        offset = (offset + len(data) + (1 << align) - 1) & ~((1 << align) - 1)
    out = bytearray(header + arches)
    for at, data in blobs:
        out += b"\0" * (at - len(out))
        out += data
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(bytes(out))
    return dest


CONTRACT_GREET = REPO / "symbols" / "greet.symbols"
