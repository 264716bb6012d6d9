"""Release-verification fixtures: real artifacts built once per session with zig (see
release_helpers.py for what each one is)."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from release_helpers import (
    ARTIFACTS_DIR,
    CACHE,
    EA_CONTRACT,
    EA_MAP,
    EXTRA_C,
    REPO,
    SIX,
    greet_path,
    make_fat,
    patch_import,
    zigcc,
)


@pytest.fixture(scope="session")
def greet_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/<target>/ of the example plugin for the six default targets (built with plugsmith)."""
    from plugsmith import matrix, plan
    from plugsmith.engine import build

    root = tmp_path_factory.mktemp("greet-project")
    for name in ("build_matrix.yaml", "symbols", "plugins"):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name)
        else:
            shutil.copy2(src, root / name)
    result = build(plan.resolve(matrix.load(root / "build_matrix.yaml")), jobs=2, cache=Path(CACHE))
    assert result.ok, [f.message for f in result.failures]
    for target in SIX:
        assert greet_path(root / "dist", target).is_file()
    return root / "dist"


@pytest.fixture(scope="session")
def extras(tmp_path_factory: pytest.TempPathFactory, greet_dist: Path) -> dict[str, Path]:
    """name -> a real artifact that passes or breaks one policy rule (see the module docstring)."""
    work = tmp_path_factory.mktemp("extras")
    for name, text in EXTRA_C.items():
        (work / name).write_text(text)
    (work / "ea.map").write_text(EA_MAP)
    (work / "ea.symbols").write_text(EA_CONTRACT)
    lx = ("-target", "x86_64-linux-gnu", "-shared", "-fPIC", "-O2")
    zigcc(*lx, "helper.c", "-Wl,-soname,libhelper.so", "-o", "libhelper.so", cwd=work)
    jobs = {
        "needy": [*lx, "needy.c", "-L.", "-lhelper", "-o", "libneedy.so"],
        "glibc228": ["-target", "x86_64-linux-gnu.2.28", "-shared", "-fPIC", "-O2", "rand.c", "-o", "librand.so"],
        "plain217": ["-target", "x86_64-linux-gnu.2.17", "-shared", "-fPIC", "-O2", "plain.c", "-o", "libplain.so"],
        "macos13": ["-target", "aarch64-macos.13.0", "-shared", "-O2", "mac.c",
                    "-Wl,-install_name,@rpath/libmac13.dylib", "-o", "libmac13.dylib"],
        "badname": ["-target", "aarch64-macos.11.0", "-shared", "-O2", "mac.c",
                    "-Wl,-install_name,/usr/local/lib/libbadname.dylib", "-o", "libbadname.dylib"],
        "export_all": [*lx, "everything.c", "-o", "libea.so"],
        "export_mapped": [*lx, "everything.c", "-Wl,--version-script=ea.map", "-o", "libeamapped.so"],
        "many": [*lx, "many.c", "-o", "libmany.so"],
    }
    outputs = {"needy": "libneedy.so", "glibc228": "librand.so", "plain217": "libplain.so",
               "macos13": "libmac13.dylib", "badname": "libbadname.dylib", "export_all": "libea.so",
               "export_mapped": "libeamapped.so", "many": "libmany.so"}
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda argv: zigcc(*argv, cwd=work), jobs.values()))
    out = {name: work / file for name, file in outputs.items()}
    out["ea_contract"] = work / "ea.symbols"
    out["debug_crt"] = patch_import(greet_path(greet_dist, "windows-x86_64"), work / "debugcrt" / "greet.dll",
                                     b"api-ms-win-crt-heap-l1-1-0.dll", b"ucrtbased.dll")
    return out


@pytest.fixture(scope="session")
def fat_greet(tmp_path_factory: pytest.TempPathFactory, greet_dist: Path) -> Path:
    work = tmp_path_factory.mktemp("fat")
    return make_fat([greet_path(greet_dist, "macos-x86_64"), greet_path(greet_dist, "macos-aarch64")],
                    work / "libgreet.dylib")


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR
