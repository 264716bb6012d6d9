"""``plugsmith targets``: print the resolved plan and stop."""

from __future__ import annotations

import argparse
import json
import sys

from plugsmith.cli.common import console, load_plan, project_options, rel
from plugsmith.errors import EXIT_OK

#: The --ci-matrix shapes: GitHub Actions reads JSON at run time, GitLab needs the list in the file.
CI_FORMATS = ("github", "gitlab")

NAME = "targets"
HELP = "list the resolved matrix: targets, zig triples, flags and where each flag came from"
DESCRIPTION = "Print the resolved build plan and stop. Each flag says which layer put it there."


def configure(p: argparse.ArgumentParser) -> None:
    project_options(p)
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument("--ci-matrix", nargs="?", const="github", choices=CI_FORMATS, metavar="FORMAT",
                   help="print the targets as a CI job matrix: github (the default) is one line of JSON, "
                        "{\"include\": [{\"target\": ...}, ...]}, for fromJSON; gitlab is the parallel:matrix "
                        "block of a GitLab CI job, with TARGET as its variable")


def execute(args: argparse.Namespace) -> int:
    plan = load_plan(args)
    if args.ci_matrix == "gitlab":
        sys.stdout.write(gitlab_matrix([t.name for t in plan.targets]))
        return EXIT_OK
    if args.ci_matrix:
        rows = [{"target": t.name, "os": t.os, "arch": t.arch} for t in plan.targets]
        sys.stdout.write(json.dumps({"include": rows}, separators=(",", ":")) + "\n")
        return EXIT_OK
    if args.json:
        data = {"version": 1, "project": plan.matrix.project, "jobs": [{
            "plugin": j.plugin.name, "target": j.target.name, "os": j.target.os, "arch": j.target.arch,
            "triple": j.triple, "format": j.format, "builder": j.builder, "kind": j.plugin.kind,
            "artifact": rel(j.artifact),
            "symbols": len(j.contract.symbols),
            "cflags": [{"flag": f.value, "origin": f.origin} for f in j.cflags],
            "ldflags": [{"flag": f.value, "origin": f.origin} for f in j.ldflags],
        } for j in plan.jobs]}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return EXIT_OK
    from rich.table import Table

    out = console(args)
    table = Table(title=f"{plan.matrix.project}: {len(plan.jobs)} jobs", title_justify="left")
    for col in ("plugin", "target", "zig triple", "format", "builder", "artifact", "symbols"):
        table.add_column(col)
    for j in plan.jobs:
        built = j.builder if not j.plugin.is_extension else f"{j.builder} (python-extension)"
        table.add_row(j.plugin.name, j.target.name, j.triple, j.format, built, rel(j.artifact),
                      str(len(j.contract.symbols)))
    out.print(table)
    for j in plan.jobs:
        out.print(f"{j.id}:", style="bold", markup=False)
        for label, flags in (("cflags", j.cflags), ("ldflags", j.ldflags)):
            for f in flags:
                out.print(f"  {label:8} {f.value:32} from {f.origin}", markup=False)
    return EXIT_OK


def gitlab_matrix(targets: list[str]) -> str:
    """The ``parallel:matrix`` block of a GitLab job (paste it under the job), one TARGET per target.

    GitLab expands the matrix when the pipeline is created, so unlike GitHub's ``fromJSON`` the list
    has to be in the file; tests/integration/test_ci_templates.py keeps ci/gitlab-ci.yml equal to it."""
    lines = ["parallel:", "  matrix:", "    - TARGET:"]
    lines += [f"        - {name}" for name in targets]
    return "\n".join(lines) + "\n"
