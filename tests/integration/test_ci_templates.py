"""The CI templates pass their linters: zizmor (offline, pedantic) finds nothing in the GitHub workflow
and the composite action, check-jsonschema's built-in GitHub and GitLab schemas accept them, and the
GitLab matrix is what `plugsmith targets --ci-matrix gitlab` prints."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tests.conftest import REPO, Cli, missing_tool

GITHUB = REPO / "ci/github-actions.yml"
GITLAB = REPO / "ci/gitlab-ci.yml"
ACTION = REPO / "action.yml"
FULL_SHA = re.compile(r"[0-9a-f]{40}")

BAD_WORKFLOW = """\
name: bad
on: [pull_request_target]
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
"""


def _tool(name: str) -> str:
    """A Python tool of plugsmith's [test] extra: beside this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        missing_tool(f"{name} not found (pip install -e '.[test]' installs it)")
        raise AssertionError("unreachable")
    return found


def _run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def test_zizmor_finds_nothing(tmp_path: Path) -> None:
    res = _run(_tool("zizmor"), "--offline", "--persona=pedantic", "--no-progress", "--format", "plain",
               str(GITHUB), str(ACTION), str(REPO / "src/plugsmith/templates/project/ci/github-actions.yml"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "No findings to report" in res.stdout


def test_zizmor_catches_injection_unpinned_actions_and_credentials(tmp_path: Path) -> None:
    """The negative twin: what the templates avoid is what zizmor reports."""
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW)
    res = _run(_tool("zizmor"), "--offline", "--no-progress", "--format", "json", str(bad))
    assert res.returncode != 0
    found = {finding["ident"] for finding in json.loads(res.stdout)}
    assert {"template-injection", "unpinned-uses", "artipacked", "excessive-permissions"} <= found, found


@pytest.mark.parametrize(("schema", "path"), [("vendor.github-workflows", GITHUB), ("vendor.github-actions", ACTION),
                                              ("vendor.gitlab-ci", GITLAB)], ids=["github", "action", "gitlab"])
def test_schemas_accept_the_templates(schema: str, path: Path) -> None:
    res = _run(_tool("check-jsonschema"), "--builtin-schema", schema, str(path))
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.strip() == "ok -- validation done"


@pytest.mark.parametrize(("schema", "text"), [
    ("vendor.github-workflows", BAD_WORKFLOW.replace("runs-on", "runs_on")),
    ("vendor.gitlab-ci", "build:\n  script: [make]\n  parallel:\n    matrix: {TARGET: [a]}\n"),
], ids=["github", "gitlab"])
def test_schemas_reject_a_broken_file(tmp_path: Path, schema: str, text: str) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(text)
    res = _run(_tool("check-jsonschema"), "--builtin-schema", schema, str(bad))
    assert res.returncode == 1
    assert "Schema validation errors were encountered." in res.stdout + res.stderr


def test_every_action_is_pinned_by_commit() -> None:
    uses = []
    for path in (GITHUB, ACTION):
        uses += re.findall(r"^\s*(?:-\s*)?uses:\s*(\S+)", path.read_text(), re.MULTILINE)
    assert uses
    unpinned = [u for u in uses if not FULL_SHA.fullmatch(u.rpartition("@")[2])]
    assert unpinned == []


def test_the_github_workflow_shape() -> None:
    doc = yaml.safe_load(GITHUB.read_text())
    assert doc["permissions"] == {}
    jobs = doc["jobs"]
    assert list(jobs) == ["plan", "build", "verify", "release"]
    assert {name: job["permissions"] for name, job in jobs.items()} == {
        "plan": {"contents": "read"}, "build": {"contents": "read"}, "verify": {"contents": "read"},
        "release": {"contents": "write"}}
    checkouts = [step for job in jobs.values() for step in job["steps"] if "actions/checkout@" in step.get("uses", "")]
    assert len(checkouts) == 4
    assert all(step["with"]["persist-credentials"] is False for step in checkouts)
    verify_runs = [step["run"] for job in jobs.values() for step in job["steps"]
                   if "plugsmith verify" in step.get("run", "")]
    assert verify_runs == ["plugsmith verify --same-build --junit report.xml --markdown report.md --html report.html"]
    assert jobs["release"]["if"] == "startsWith(github.ref, 'refs/tags/')"
    # No ${{ }} inside a script: values come in through env.
    scripts = [step["run"] for job in jobs.values() for step in job["steps"] if "run" in step]
    assert [s for s in scripts if "${{" in s] == []


def test_gitlab_matrix_is_the_one_plugsmith_prints(cli: Cli) -> None:
    res = cli("targets", "--ci-matrix", "gitlab", "-C", str(REPO))
    assert res.code == 0, res.err
    printed = yaml.safe_load(res.out)
    assert printed == {"parallel": {"matrix": [{"TARGET": ["linux-x86_64", "linux-aarch64", "macos-x86_64",
                                                           "macos-aarch64", "windows-x86_64", "windows-aarch64"]}]}}
    assert yaml.safe_load(GITLAB.read_text())["build"]["parallel"] == printed["parallel"]
    assert "      - TARGET:\n" + "".join(f"          - {t}\n" for t in printed["parallel"]["matrix"][0]["TARGET"]) \
        in GITLAB.read_text()


def test_gitlab_matrix_follows_the_selection(cli: Cli) -> None:
    res = cli("targets", "--ci-matrix", "gitlab", "-C", str(REPO), "-t", "windows")
    assert res.out == "parallel:\n  matrix:\n    - TARGET:\n        - windows-x86_64\n        - windows-aarch64\n"
    github = cli("targets", "--ci-matrix", "-C", str(REPO), "-t", "windows")
    assert json.loads(github.out) == {"include": [{"target": "windows-x86_64", "os": "windows", "arch": "x86_64"},
                                                  {"target": "windows-aarch64", "os": "windows", "arch": "aarch64"}]}
