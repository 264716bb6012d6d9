"""cibuildwheel cannot build here (no container engine, no macOS or Windows runner), so its test and
repair steps are simulated for real: the generated project's six wheels come from
``plugsmith wheel``, and the exact generated command strings (placeholders filled, split with shlex,
run without a shell) run on each of them. A wheel with leaked symbols fails them. The build
backend named in pyproject.toml builds one target per ``PLUGSMITH_TARGETS`` through pip."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml
from cibw_helpers import NEEDS_311, TIMEOUT, pack, run_command, substitute, tool_table
from tests.conftest import require_tool

from plugsmith import cibw
from plugsmith import matrix as matrix_mod

pytestmark = [pytest.mark.slow, NEEDS_311]  # six targets built with zig

BUILD_TIMEOUT = 900
TAGS = {"linux-x86_64": "manylinux_2_17_x86_64", "linux-aarch64": "manylinux_2_17_aarch64",
        "macos-x86_64": "macosx_11_0_x86_64", "macos-aarch64": "macosx_11_0_arm64",
        "windows-x86_64": "win_amd64", "windows-aarch64": "win_arm64"}
LIBRARIES = {"linux": "libspam.so", "macos": "libspam.dylib", "windows": "spam.dll"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cibw") / "spam"
    for argv in (["init", "--python", str(root), "--plugsmith-spec", "plugsmith"],
                 ["wheel", "-C", str(root), "--version", "1.0.0"]):
        done = run_command(["plugsmith", *argv], cwd=root.parent, timeout=BUILD_TIMEOUT)
        assert done.returncode == 0, done.stderr
    return root


def commands(value: object) -> list[str]:
    assert isinstance(value, list) and all(isinstance(v, str) for v in value)
    return list(value)


def wheel(project: Path, target: str) -> Path:
    return project / "dist" / "wheels" / f"spam-1.0.0-py3-none-{TAGS[target]}.whl"


def test_the_test_command_passes_on_every_wheel(project: Path, tmp_path: Path) -> None:
    verify = commands(tool_table(project)["test-command"])[0]
    assert sorted(p.name for p in (project / "dist" / "wheels").iterdir()) == sorted(
        f"spam-1.0.0-py3-none-{t}.whl" for t in TAGS.values())
    for target in TAGS:
        argv = substitute(verify, project=str(project), wheel=str(wheel(project, target)))
        assert argv == ["plugsmith", "verify", "--no-project", "--contract", f"{project}/symbols/spam.symbols",
                        str(wheel(project, target))]
        done = run_command(argv, cwd=tmp_path)  # cibuildwheel runs tests in a temporary folder
        assert done.returncode == 0, done.stdout + done.stderr
        lib = LIBRARIES[target.split("-")[0]]
        assert f"│ spam   │ {target} " in done.stdout and f"!spam/{lib}" in done.stdout
        assert done.stdout.rstrip().endswith("OK: 1 artifact matches its contract")


def test_the_repair_chain_verifies_the_repaired_folder(project: Path, tmp_path: Path) -> None:
    for platform, target in [("linux", "linux-aarch64"), ("macos", "macos-aarch64"), ("windows", "windows-x86_64")]:
        repair = tool_table(project)[platform]
        assert isinstance(repair, dict)
        first, second = commands(repair["repair-wheel-command"])
        assert first.split()[0] in ("auditwheel", "delocate-wheel", "delvewheel")  # kept from cibuildwheel
        dest = tmp_path / platform
        dest.mkdir()
        (dest / wheel(project, target).name).write_bytes(wheel(project, target).read_bytes())
        done = run_command(substitute(second, project=".", dest_dir=str(dest)), cwd=project)  # repair runs in it
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.rstrip().endswith("OK: 1 artifact matches its contract")


def test_the_test_command_fails_on_a_wheel_with_leaked_symbols(project: Path, tmp_path: Path) -> None:
    """The same plugin linked by Debian's gcc without the export map, packed as a cibuildwheel job names it."""
    gcc = require_tool("gcc", package="gcc")
    lib = tmp_path / "libspam.so"
    src = project / "plugins" / "spam"
    done = subprocess.run([gcc, "-shared", "-fPIC", "-O2", f"-I{src / 'include'}", "-o", str(lib),
                           str(src / "spam.c"), str(src / "util.c")], capture_output=True, text=True, timeout=TIMEOUT,
                          check=False)
    assert done.returncode == 0, done.stderr
    leaky = pack(tmp_path, name="spam", version="1.0.0", tag="cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
                 files={"spam/libspam.so": lib.read_bytes()})
    verify = commands(tool_table(project)["test-command"])[0]
    done = run_command(substitute(verify, project=str(project), wheel=str(leaky)), cwd=tmp_path)
    assert done.returncode == 1
    shown = f"{leaky.name}!spam/libspam.so"  # shown relative to the folder it runs in
    leaks = sorted(line for line in done.stdout.splitlines() if line.startswith("leaked: "))
    assert leaks == [f"leaked: {name} is exported by linux-x86_64 ({shown}) but is not in the contract"
                     for name in ("util_calls", "util_clamp", "util_factor")]


def test_the_import_command_runs_in_a_fresh_venv(project: Path, tmp_path: Path) -> None:
    """cibuildwheel installs the wheel into a new venv and runs the test commands there."""
    if sys.platform != "linux" or os.uname().machine != "x86_64":
        pytest.skip("needs a linux x86_64 host")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=TIMEOUT)
    python = venv / "bin" / "python"
    done = subprocess.run([str(python), "-m", "pip", "install", "--no-index", "--no-deps",
                           "--disable-pip-version-check", str(wheel(project, "linux-x86_64"))],
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    argv = substitute(commands(tool_table(project)["test-command"])[1], project=str(project))
    assert argv[0] == "python"
    done = subprocess.run([str(python), *argv[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT,
                          check=False)
    assert done.returncode == 0, done.stderr
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['platlib'])"],
                          capture_output=True, text=True, timeout=TIMEOUT, check=True).stdout.strip()
    assert done.stdout.strip() == f"{site}/spam/libspam.so"


def _pip_wheel(project: Path, out: Path, targets: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PLUGSMITH_TARGETS": targets}
    return subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--no-index",
                           "--disable-pip-version-check", "-w", str(out), *extra, str(project)],
                          capture_output=True, text=True, timeout=BUILD_TIMEOUT, env=env, check=False)


def test_the_build_backend_builds_the_target_cibuildwheel_selects(project: Path, tmp_path: Path) -> None:
    """What cibuildwheel's build step runs: pip builds the project through plugsmith.wheel.backend,
    with the override's PLUGSMITH_TARGETS; the wheel then passes the generated test command."""
    overrides = tool_table(project)["overrides"]
    assert {"select": "cp312-manylinux_aarch64", "environment": {"PLUGSMITH_TARGETS": "linux-aarch64"}} in overrides
    done = _pip_wheel(project, tmp_path, "linux-aarch64", "--config-settings", "version=1.2.0")
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = tmp_path.glob("*.whl")
    assert built.name == "spam-1.2.0-py3-none-manylinux_2_17_aarch64.whl"
    verify = commands(tool_table(project)["test-command"])[0]
    res = run_command(substitute(verify, project=str(project), wheel=str(built)), cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr


def test_the_build_backend_needs_exactly_one_target(project: Path, tmp_path: Path) -> None:
    done = _pip_wheel(project, tmp_path, "linux-*")
    assert done.returncode != 0
    assert ("PLUGSMITH_TARGETS linux-*: a wheel build needs exactly one target, this selects 2 "
            "(linux-x86_64, linux-aarch64)") in done.stdout + done.stderr
    assert list(tmp_path.glob("*.whl")) == []


def test_the_sdist_holds_the_inputs(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from plugsmith.wheel import backend

    monkeypatch.chdir(project)
    name = backend.build_sdist(str(tmp_path))
    assert name == "spam-0.0.0.tar.gz"
    with tarfile.open(tmp_path / name) as tar:
        assert tar.getnames() == [f"spam-0.0.0/{n}" for n in (
            "PKG-INFO", "build_matrix.yaml", "plugins/spam/include/spam.h", "plugins/spam/spam.c",
            "plugins/spam/util.c", "plugsmith-requirements.txt", "pyproject.toml", "symbols/spam.symbols")]


def test_a_project_with_two_plugins_verifies_each_against_its_own_contract(tmp_path: Path) -> None:
    """Two plugins in one wheel: the generated commands hold each library to its own contract
    through the project's matrix, not to one --contract."""
    for name in ("spam", "egg"):
        done = run_command(["plugsmith", "init", "--python", str(tmp_path / name), "--plugsmith-spec", "plugsmith"],
                           cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    root = tmp_path / "spam"
    shutil.copytree(tmp_path / "egg" / "plugins" / "egg", root / "plugins" / "egg")
    shutil.copy(tmp_path / "egg" / "symbols" / "egg.symbols", root / "symbols" / "egg.symbols")
    config = root / "build_matrix.yaml"
    text = config.read_text()
    egg = text[text.index("  - name: spam"):text.index("\n\n", text.index("  - name: spam"))].replace("spam", "egg")
    config.write_text(text.replace("\n# The six default targets", f"{egg}\n\n# The six default targets", 1))
    (root / "pyproject.toml").write_text(cibw.pyproject(matrix_mod.load(config), "plugsmith"))
    verify = commands(tool_table(root)["test-command"])[0]
    assert verify == "plugsmith verify -c {project}/build_matrix.yaml --skip-check targets {wheel}"
    done = run_command(["plugsmith", "wheel", "-t", "linux-x86_64", "--version", "1.0.0"], cwd=root,
                       timeout=BUILD_TIMEOUT)
    assert done.returncode == 0, done.stderr
    built = root / "dist" / "wheels" / "spam-1.0.0-py3-none-manylinux_2_17_x86_64.whl"
    done = run_command(substitute(verify, project=str(root), wheel=str(built)), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("OK: 2 artifacts match their contract and each other")
    (root / "symbols" / "egg.symbols").write_text((root / "symbols" / "egg.symbols").read_text()
                                                  + "egg_extra          function\n")
    done = run_command(substitute(verify, project=str(root), wheel=str(built)), cwd=tmp_path)
    assert done.returncode == 1
    assert [line for line in done.stdout.splitlines() if line.startswith("missing: ")] == [
        "missing: egg_extra is in the contract but not exported by linux-x86_64 "
        f"(spam/dist/wheels/{built.name}!spam/libegg.so)"]


def test_the_workflows_verify_job_needs_every_runners_wheel(project: Path) -> None:
    """ci/cibuildwheel.yml's last job: every runner's wheel in wheelhouse/, verified in the checkout, where
    the project's contracts and targets apply; a runner whose wheel is missing fails the release."""
    steps = yaml.safe_load((project / "ci" / "cibuildwheel.yml").read_text())["jobs"]["verify"]["steps"]
    (line,) = [s["run"] for s in steps if "plugsmith verify" in s.get("run", "")]
    assert line == "plugsmith verify --junit report.xml --markdown report.md wheelhouse/*.whl"
    house = project / "wheelhouse"
    house.mkdir()
    for target in TAGS:
        shutil.copy(wheel(project, target), house)
    argv = shlex.split(line)
    expand = [*argv[:-1], *sorted(str(p.relative_to(project)) for p in house.glob("*.whl"))]  # the shell's glob
    done = run_command(expand, cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("OK: 6 artifacts match their contract and each other")
    (house / wheel(project, "windows-aarch64").name).unlink()
    done = run_command([*argv[:-1], *sorted(str(p.relative_to(project)) for p in house.glob("*.whl"))], cwd=project)
    assert done.returncode == 1
    assert "expected target windows-aarch64 is missing: no artifact for it was given" in done.stdout
    shutil.rmtree(house)
    for report in ("report.xml", "report.md"):
        (project / report).unlink()
