"""The compiler a project's build calls (``zig-cc`` / ``zig-c++`` in the job's ``wrap/`` folder).

``python linkwrap.py CONFIG cc|c++ ARGS...``, started by the job's ``zig-cc`` for a command with
``-shared``/``-dynamiclib`` (every other command runs zig directly, with the job's cflags). A
command that is not a shared link after all becomes ``zig cc -target TRIPLE <job cflags> ARGS``. The link
of the plugin (a ``-shared``/``-dynamiclib`` link whose output is named after the plugin's target)
gets the contract, whatever the project asked for:

- the project's own export files and naming flags are dropped (``--version-script``,
  ``-exported_symbols_list``, ``.def`` inputs, ``-soname``, ``-install_name``, ``--out-implib``);
- the plugin's ``static_libs`` are appended, then the job's ldflags and plugsmith's link flags
  for the format (``platforms.LINK_FLAGS``: version script and soname; ``.def`` and import
  library; ``@rpath`` install name);
- on Mach-O, where zig's linker ignores export lists, every input object and every static
  archive (the project's own and vendored ones) is linked from a copy whose non-contract
  symbols are private-extern (:mod:`plugsmith.engine.pext`).

Each shared link is recorded as a JSON line in the links log, so the builder knows which file is
the plugin. Imports stay minimal: this runs once per compile.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

#: Flags that stop before linking.
NOT_LINKING = frozenset({"-c", "-E", "-S", "-M", "-MM", "-###", "--version", "-v", "-fsyntax-only"})
SHARED = frozenset({"-shared", "-dynamiclib"})
#: ``-Wl,`` options the contract replaces (option name as it follows ``-Wl,``).
DROPPED_WL = ("--version-script", "-exported_symbols_list", "-soname", "-install_name", "--out-implib",
              "-unexported_symbols_list", "--export-all-symbols", "--exclude-libs")
#: Driver options the contract replaces, taking the next argument as their value.
DROPPED_WITH_VALUE = frozenset({"-install_name", "-exported_symbols_list", "-unexported_symbols_list"})
OBJECT_SUFFIXES = (".o", ".obj")
AR_MAGIC = b"!<arch>\n"


def main(argv: list[str]) -> int:
    config_path, driver, *args = argv
    config: dict[str, Any] = json.loads(Path(config_path).read_text(encoding="utf-8"))
    zig = [config["zig"], driver, "-target", config["triple"]]
    args = _expand_response_files(args)
    if not _is_shared_link(args):
        cmd = [*zig, *config["cflags"], *args] if not _is_link(args) else [*zig, *args]
        os.execv(cmd[0], cmd)
    output = _output(args)
    # target None: every shared link is the plugin's (Go links to a temporary name, then copies)
    plugin = output is not None and (config["target"] is None or names_target(output, config["target"]))
    if plugin:
        assert output is not None
        args = contract_link(args, output, config)
    res = subprocess.run([*zig, *args], check=False, timeout=config["timeout"])
    if res.returncode == 0 and output is not None:
        implib = _implib(output, config) if plugin else None
        line = json.dumps({"output": os.path.abspath(output), "plugin": plugin, "import_library": implib})
        with open(config["links_log"], "a", encoding="utf-8") as log:
            log.write(line + "\n")
    return res.returncode


def _is_link(args: list[str]) -> bool:
    return not any(a in NOT_LINKING for a in args)


def _is_shared_link(args: list[str]) -> bool:
    return _is_link(args) and any(a in SHARED for a in args)


def _expand_response_files(args: list[str]) -> list[str]:
    out: list[str] = []
    for arg in args:
        if arg.startswith("@") and os.path.isfile(arg[1:]):
            with open(arg[1:], encoding="utf-8") as handle:
                out += shlex.split(handle.read())
        else:
            out.append(arg)
    return out


def _output(args: list[str]) -> str | None:
    for i, arg in enumerate(args):
        if arg == "-o" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("-o") and len(arg) > 2:
            return arg[2:]
    return None


def names_target(output: str, target: str) -> bool:
    """``libgreet.so.0.1.0``, ``libgreet-0.dll``, ``greet.dll``, ``libgreet.dylib``: target greet."""
    name = os.path.basename(output)
    for candidate in (name, name[3:] if name.startswith("lib") else None):
        if candidate and (candidate == target or candidate.startswith((target + ".", target + "-"))):
            return True
    return False


def _implib(output: str, config: dict[str, Any]) -> str | None:
    name = config["import_library"]
    return os.path.join(os.path.dirname(os.path.abspath(output)), name) if name else None


def contract_link(args: list[str], output: str, config: dict[str, Any]) -> list[str]:
    kept: list[str] = []
    skip_next = False
    for arg in args:
        if skip_next:
            skip_next = False
            continue
        if arg in DROPPED_WITH_VALUE:
            skip_next = True
            continue
        if arg.startswith("-Wl,") and arg[4:].split(",")[0].split("=")[0] in DROPPED_WL:
            continue
        if arg.lower().endswith(".def") and os.path.isfile(arg):
            continue
        kept.append(arg)
    kept += config["static_libs"]
    implib = _implib(output, config) or ""
    fill = {"map": config["map"], "library": config["library"], "import_library": implib}
    kept += [*config["ldflags"], *(flag.format(**fill) for flag in config["link_flags"])]
    if config["hide_in_objects"]:
        kept = [_hidden_copy(a, config) if _is_input(a) else a for a in kept]
    return kept


def _is_input(arg: str) -> bool:
    if arg.startswith("-") or not os.path.isfile(arg):
        return False
    if arg.endswith(OBJECT_SUFFIXES):
        return True
    with open(arg, "rb") as handle:
        return handle.read(len(AR_MAGIC)) == AR_MAGIC


def _hidden_copy(path: str, config: dict[str, Any]) -> str:
    """A copy of an object or archive with every non-contract symbol private-extern."""
    from plugsmith.engine import pext

    folder = Path(config["hidden_dir"])
    folder.mkdir(parents=True, exist_ok=True)
    tag = hashlib.sha256(os.path.abspath(path).encode("utf-8", "surrogateescape")).hexdigest()[:10]
    dest = folder / f"{tag}-{os.path.basename(path)}"
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.write_bytes(Path(path).read_bytes())
    pext.hide(tmp, frozenset(config["keep"]))
    os.replace(tmp, dest)
    return str(dest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
