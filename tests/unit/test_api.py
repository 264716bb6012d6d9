"""The public API, used as a library would: load, plan, build, verify; every name in ``__all__``
resolves, and ``import plugsmith`` loads neither lief nor zig nor rich."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import copy_example

import plugsmith


def test_every_public_name_resolves() -> None:
    assert set(plugsmith.__all__) == {"__version__", *plugsmith._API}
    for name in plugsmith.__all__:
        assert getattr(plugsmith, name) is not None, name
    assert dir(plugsmith) == sorted(plugsmith.__all__)


def test_import_is_cheap() -> None:
    code = ("import sys, plugsmith; print(sorted(m for m in ('lief', 'rich', 'ziglang', 'yaml', 'plugsmith.engine') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.strip() == "[]"


def test_unknown_name_is_an_attribute_error() -> None:
    try:
        plugsmith.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert str(exc) == "module 'plugsmith' has no attribute 'no_such_thing'"
    else:
        raise AssertionError("expected AttributeError")


def test_library_round_trip(tmp_path: Path) -> None:
    """matrix -> plan -> build -> verify on the bundled example's Linux target, then the same
    artifact as a release built elsewhere; a narrower contract fails naming the leaks."""
    root = copy_example(tmp_path / "project")
    matrix = plugsmith.load_matrix(root / "build_matrix.yaml")
    plan = plugsmith.resolve(matrix, select=["linux-x86_64"])
    result = plugsmith.build(plan, jobs=2)
    assert result.ok
    verdict = plugsmith.judge(plugsmith.from_build(plan, result), plugsmith.expectation_for(matrix))
    assert [(t.plugin, t.target, t.leaked, t.missing) for t in verdict.targets] == [
        ("greet", "linux-x86_64", (), ())]
    assert verdict.ok
    artifact = root / "dist" / "linux-x86_64" / "libgreet.so"
    contract = plugsmith.load_contract(root / "symbols" / "greet.symbols")
    assert plugsmith.verify_paths([artifact], contract=contract).ok
    narrow = tmp_path / "narrow.symbols"
    narrow.write_text("version 1\n[GREET_1.0]\ngreet_add function\n")
    bad = plugsmith.verify_paths([artifact], contract=plugsmith.load_contract(narrow))
    assert not bad.ok
    assert bad.targets[0].missing == ()
    assert set(bad.targets[0].leaked) == set(verdict.targets[0].exported) - {"greet_add"}


def test_fast_export_constructor_is_the_same_object() -> None:
    """inspection's ``_export`` sets the slots directly; the result must equal ``Export(...)`` in every
    field, hash and repr, defaults included."""
    from plugsmith.inspection import Export
    from plugsmith.inspection._common import _export

    rows = [dict(name="f", kind="function"), dict(name="d", kind="data", version="V_1", default_version=False),
            dict(name="#7", kind="unknown", ordinal=7, forwarder="k32.Sleep")]
    for row in rows:
        fast, slow = _export(**row), Export(**row)  # type: ignore[arg-type]
        assert (fast == slow, hash(fast) == hash(slow), repr(fast)) == (True, True, repr(slow))
    assert _export(name="x", kind="data") != Export(name="x", kind="function")


_LAZY = ("tarfile", "zipfile", "difflib", "importlib.resources", "plugsmith.contract", "plugsmith.verify.checks",
         "plugsmith.verify.ecosystem", "plugsmith.verify.wheel_tags")


def _verify_imports(tmp_path: Path, *args: str) -> list[str]:
    """The modules of _LAZY that ``plugsmith verify --json ARGS`` imported, in a fresh interpreter."""
    script = ("import sys\nfrom plugsmith.cli import main\n"
              f"code = main(['verify', '--json', '--no-project', *{list(args)!r}])\n"
              f"print(code, sorted(m for m in {_LAZY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True,
                         cwd=tmp_path, env={**os.environ, "PLUGSMITH_CACHE_DIR": str(tmp_path / "cache")})
    code, _, modules = out.stdout.splitlines()[-1].partition(" ")
    assert code in ("0", "1"), out.stderr
    return list(ast.literal_eval(modules))


def test_verify_of_loose_files_imports_only_what_they_need(tmp_path: Path) -> None:
    """A warm re-verify is mostly start-up (benchmarks/README.md): loose binaries without a policy or a
    contract never load the archive readers, the policy checks and their tables, or the contract parser."""
    assert _verify_imports(tmp_path, "--no-policy", sys.executable) == []


def test_verify_of_a_wheel_with_policy_and_contract_imports_them(tmp_path: Path) -> None:
    """The negative twin: each is imported when the input needs it (a typo's suggestion loads difflib)."""
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.write(sys.executable, "demo/python.so")
    contract = tmp_path / "demo.symbols"
    contract.write_text("version 1\n\n[DEMO_1.0]\nPy_Main function\n")
    imported = _verify_imports(tmp_path, "--contract", str(contract), str(wheel))
    assert imported == sorted(set(_LAZY) - {"difflib", "importlib.resources"})  # the tables: pkgutil.get_data
