"""``plugsmith wheel``: pack each target's plugins into a platform wheel that pip installs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from plugsmith.cli.common import build_options, load_plan, project_options, rel, run_build
from plugsmith.errors import EXIT_BUILD_FAILED, EXIT_OK

NAME = "wheel"
HELP = ("pack each target's plugins into a platform wheel (py3-none-<platform> with a ctypes loader; "
        "cp3X-abi3-<platform> for CPython extension modules)")
DESCRIPTION = """Build (unless --no-build), then write one wheel per target into dist/wheels/: a small Python
package whose load() opens the target's library with ctypes and whose library_path() gives it to cffi.
Platform tags come from the target: manylinux_2_X from the glibc pin, musllinux_1_2, macosx_X_Y from
min_os, win_amd64/win_arm64/win32. CPython extension modules (kind: python-extension) go in at the top
level with no loader, and their wheels are tagged cp3X-abi3 (X from abi3:; docs/python.md). Name,
summary, license and Requires-Python come from the wheel: section of build_matrix.yaml; the version
from --version, else wheel: version, else 0.0.0. Bytes are reproducible (SOURCE_DATE_EPOCH is
honoured). See docs/wheel.md."""


def configure(p: argparse.ArgumentParser) -> None:
    project_options(p)
    build_options(p)
    p.add_argument("--version", dest="wheel_version", metavar="VERSION",
                   help="the wheels' version (PEP 440, e.g. 1.2.0; default: wheel: version in build_matrix.yaml)")
    p.add_argument("-o", "--output", type=Path, metavar="DIR", help="where wheels go (default: DIST/wheels)")
    p.add_argument("--no-build", action="store_true",
                   help="pack the artifacts already in dist/ instead of building first")


def execute(args: argparse.Namespace) -> int:
    from plugsmith.wheel import build_wheels, resolve, wheel_tag
    from plugsmith.wheel.config import version_or_error
    from plugsmith.wheel.pack import check_names

    plan = load_plan(args)
    matrix = plan.matrix
    if args.wheel_version is not None:
        version = version_or_error(args.wheel_version, "--version")
    elif matrix.wheel.version is not None:
        version = matrix.wheel.version
    else:
        version = "0.0.0"
        print("plugsmith: note: no --version and no 'wheel: version' in build_matrix.yaml: the wheels are "
              "version 0.0.0", file=sys.stderr)
    metadata = resolve(matrix.wheel, matrix.project, extensions_only=all(p.is_extension for p in matrix.plugins))
    for target in plan.targets:  # a target without a tag fails before anything is built
        wheel_tag(target)
    check_names(plan, metadata)  # so does a loader package named like an extension module
    result = None
    if not args.no_build:
        result = run_build(args, plan)
        if not result.ok:
            return EXIT_BUILD_FAILED
    out_dir = args.output if args.output is not None else matrix.dist / "wheels"
    for path in build_wheels(plan, result, version=version, out_dir=out_dir, metadata=metadata):
        print(rel(path))
    return EXIT_OK
