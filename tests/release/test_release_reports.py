"""Reports of ``plugsmith verify``: JSON against its schema, JUnit parsed, Markdown, the HTML page
rendered in real headless Chromium (screenshot kept under test-artifacts/), the terminal with
1000+ symbols, and the GitHub step summary."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from release_helpers import CONTRACT_GREET, SIX, greet_path
from tests.conftest import require_tool

from plugsmith.cli import main

SCHEMA = Path(__file__).resolve().parents[2] / "src" / "plugsmith" / "schemas" / "report.schema.json"


@pytest.fixture(scope="module")
def mixed(greet_dist: Path, extras: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five greet targets (windows-aarch64 absent), plus one greet built without its map, one
    macOS greet needing 13.0: leaks, a missing platform and a policy failure in one set."""
    root = tmp_path_factory.mktemp("mixed")
    for target in SIX[:-1]:
        (root / target).mkdir()
        shutil.copy2(greet_path(greet_dist, target), root / target)
    return root


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _expect_six() -> list[str]:
    return [f"--expect={t}" for t in SIX]


def test_json_report_matches_its_schema_pass_and_fail(capsys, greet_dist: Path, mixed: Path, extras: dict[str, Path],
                                                      tmp_path: Path) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    code, out, _ = _run(capsys, "verify", "--json", str(greet_dist), "--contract", str(CONTRACT_GREET),
                        "-C", str(tmp_path), *_expect_six())
    good = json.loads(out)
    jsonschema.validate(good, schema)
    assert code == 0 and good["ok"] and good["summary"] == {"artifacts": 6, "failed": 0, "plugins": 1,
                                                            "accidental_asymmetries": 0, "policy_failures": 0}
    code, out, _ = _run(capsys, "verify", "--json", str(mixed), str(extras["macos13"]), str(extras["needy"]),
                        "--contract", str(CONTRACT_GREET), "-C", str(tmp_path), *_expect_six())
    bad = json.loads(out)
    jsonschema.validate(bad, schema)
    assert code == 1 and not bad["ok"]
    assert bad["summary"]["policy_failures"] >= 3
    names = {(c["name"], c["passed"]) for c in bad["policy"]}
    assert ("target windows-aarch64", False) in names
    # the schema is strict: an unknown key or a wrong type is rejected
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**good, "surprise": 1}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**good, "version": 2}, schema)


def test_junit_one_case_per_target_and_check(capsys, mixed: Path, extras: dict[str, Path], tmp_path: Path) -> None:
    junit = tmp_path / "out" / "verify.xml"
    code, _, _ = _run(capsys, "verify", str(mixed), str(extras["macos13"]), "--contract", str(CONTRACT_GREET),
                      "-C", str(tmp_path), "--junit", str(junit), *_expect_six())
    assert code == 1
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    failed = sum(1 for c in cases.values() if c.find("failure") is not None)
    # 45: no install-name case for the three Mach-O artifacts, a release judged without a project
    # owes no particular install name (only plugsmith's own builds or an explicit policy ask for one)
    assert (int(root.get("tests")), int(root.get("failures")), len(cases), failed) == (45, 7, 45, 7)
    assert not [name for _, name in cases if name == "install-name"]
    # every target has its export, format and policy checks
    for target in ("linux-x86_64", "linux-aarch64"):
        for check in ("exports", "format-arch", "arch", "imports", "glibc", "map-applied"):
            failure = cases[(f"greet.{target}", check)].find("failure")
            assert failure is None, (target, check, failure.get("message"))
    # libmac13 is a plugin of its own ("mac13"): its min-OS failure names the ceiling
    failure = cases[("mac13.macos-aarch64", "macos-min")].find("failure")
    assert failure is not None and "above the ceiling 11.0" in failure.get("message")
    missing = cases[("release", "target windows-aarch64")].find("failure")
    assert missing.get("message") == "expected target windows-aarch64 is missing: no artifact for it was given"
    # every plugin must cover every expected target: mac13 only has macos-aarch64
    partly = cases[("release", "target linux-x86_64")].find("failure")
    assert partly.get("message") == "expected target linux-x86_64 is missing for plugin(s) mac13"
    assert cases[("release", "target macos-aarch64")].find("failure") is None
    for suite in root.iter("testsuite"):  # each suite's attribute agrees with its own cases
        assert int(suite.get("tests")) == len(suite.findall("testcase"))


def test_markdown_and_github_step_summary(capsys, mixed: Path, tmp_path: Path, monkeypatch) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("# earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    md = tmp_path / "verify.md"
    code, _, _ = _run(capsys, "verify", str(mixed), "--contract", str(CONTRACT_GREET), "-C", str(tmp_path),
                      "--markdown", str(md), *_expect_six())
    assert code == 1
    text = md.read_text()
    assert text.startswith("## plugsmith verify\n\n**❌ FAILED: 1 expected target missing**\n")
    assert "| greet | macos-aarch64 | " in text
    assert "- ❌ **target windows-aarch64** release: expected target windows-aarch64 is missing" in text
    assert summary.read_text() == "# earlier step\n" + text  # appended, never replaced


def test_terminal_stays_readable_with_1200_symbols(capsys, extras: dict[str, Path], tmp_path: Path) -> None:
    contract = tmp_path / "many.symbols"
    names = [f"many_{i:04d}" for i in range(1200)]
    contract.write_text("version 1\n" + "".join(f"{n} function\n" for n in names[:-1]) + "many_9999 function\n")
    code, out, _ = _run(capsys, "verify", str(extras["many"]), "--contract", str(contract), "-C", str(tmp_path))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "FAILED: 1 of 1 artifacts differ from the contract"
    assert lines[-1] == lines[0]
    assert len(lines) < 40  # summary, 2 flagged rows, 2 findings: not 1200 rows
    assert "(only symbols with findings)" in out
    assert "leaked: many_1199 is exported by linux-x86_64" in out
    assert "missing: many_9999 is in the contract" in out
    assert "many_0500" not in out
    code, out, _ = _run(capsys, "verify", str(extras["many"]), "--contract", str(contract), "-C", str(tmp_path),
                        "--all-symbols")
    assert "many_0500" in out


def test_terminal_caps_a_flood_of_leaks(capsys, extras: dict[str, Path], tmp_path: Path) -> None:
    contract = tmp_path / "one.symbols"
    contract.write_text("version 1\nmany_0000 function\n")
    code, out, _ = _run(capsys, "verify", str(extras["many"]), "--contract", str(contract), "-C", str(tmp_path))
    assert code == 1
    assert "  ... first 60 of 1199 symbols shown (--all-symbols or --html for all)" in out
    assert "... and 1179 more leaked (--all-symbols, --json or --html for all)" in out
    assert "policy: map-applied:" in out and "the export map was not applied" in out
    assert len(out.splitlines()) < 200


# --------------------------------------------------------------------------- HTML in Chromium


def _chromium() -> str:
    return require_tool("chromium", "chromium-browser", package="chromium")


def _chrome(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
            f"--user-data-dir={profile}", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=180, check=False)


def test_html_report_renders_in_chromium(capsys, mixed: Path, extras: dict[str, Path], tmp_path: Path,
                                         artifacts_dir: Path) -> None:
    chromium = _chromium()
    page = tmp_path / "report.html"
    code, _, _ = _run(capsys, "verify", str(mixed), str(extras["export_all"]), "--contract", str(CONTRACT_GREET),
                      "-C", str(tmp_path), "--html", str(page), *_expect_six())
    assert code == 1
    html = page.read_text()
    assert "http://" not in html and "https://" not in html and "<link" not in html  # self-contained
    profile = tmp_path / "profile"
    shot = artifacts_dir / "verify-report.png"
    shot.unlink(missing_ok=True)
    res = _chrome(chromium, profile, f"--screenshot={shot}", "--window-size=1400,900", page.as_uri())
    assert shot.is_file() and shot.stat().st_size > 10_000, res.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dom = _chrome(chromium, profile, "--dump-dom", page.as_uri()).stdout
    assert "FAILED:" in dom and 'class="verdict fail"' in dom
    # the script ran: every row counted (greet: 5; ea, checked against greet's contract: 32 leaked + 5 missing)
    rows = re.findall(r'<tr class="sym" data-symbol="([^"]+)" data-flagged="(\d)"( style="[^"]*")?', dom)
    assert len(rows) == 5 + 37
    assert re.search(r'<span id="shown" class="muted">42 symbol rows shown</span>', dom)
    assert '<td class="leaked">LEAKED</td>' in dom and '<td class="missing">MISSING</td>' in dom
    assert "expected target windows-aarch64 is missing" in dom
    # the filter, driven from the URL: findings only hides the clean greet rows
    filtered = _chrome(chromium, profile, "--dump-dom", page.as_uri() + "#only=1").stdout
    visible = [s for s, flagged, style in re.findall(
        r'<tr class="sym" data-symbol="([^"]+)" data-flagged="(\d)"(?: style="([^"]*)")?', filtered)
        if "display: none" not in (style or "")]
    assert len(visible) == 37 and "37 symbol rows shown" in filtered
    assert sum(1 for s in visible if s.startswith("ea_")) == 32
    by_name = _chrome(chromium, profile, "--dump-dom", page.as_uri() + "#q=helper_1").stdout
    assert "11 symbol rows shown" in by_name  # ea_helper_1, ea_helper_10..19


def test_unwritable_report_path_is_a_clear_error(capsys, greet_dist: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    target = tmp_path / "file" / "verify.xml"
    code, _, err = _run(capsys, "verify", str(greet_dist), "-C", str(tmp_path), "--junit", str(target))
    assert code == 2
    assert err.strip() == f"plugsmith: error: {target}: cannot write: File exists"  # the folder is a file
