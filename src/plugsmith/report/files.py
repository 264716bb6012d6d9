"""Write a verdict's reports: the terminal or JSON on stdout, JUnit, Markdown (and GitHub's step
summary), HTML, SHA256SUMS and the provenance manifest. Each file is written whole or not at all."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plugsmith import _fs
from plugsmith.errors import InputError, Location, PlugsmithError
from plugsmith.verify import ArtifactSet, Verdict

if TYPE_CHECKING:
    from rich.console import Console

    from plugsmith.provenance import Entry


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportFiles:
    """Where each report goes (None: not written)."""

    junit: Path | None = None
    markdown: Path | None = None
    html: Path | None = None
    sha256sums: Path | None = None
    provenance: Path | None = None
    step_summary: Path | None = None  # $GITHUB_STEP_SUMMARY: appended to, never replaced


def write(path: Path, text: str) -> None:
    try:
        _fs.write_text(path, text)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", location=Location(str(path))) from None


def show(verdict: Verdict, console: Console | None, *, show_all: bool, contract: str | None) -> None:
    """The verdict on stdout: the terminal report, or JSON when ``console`` is None."""
    if console is None:
        from plugsmith.report.json_report import to_json

        sys.stdout.write(to_json(verdict, contract=contract))
    else:
        from plugsmith.report.terminal import render_terminal  # rich: only for people

        render_terminal(verdict, console, show_all=show_all)


def write_files(verdict: Verdict, found: ArtifactSet, files: ReportFiles, *, contract: Path | None) -> None:
    if files.junit:
        from plugsmith.report.junit import to_junit

        write(files.junit, to_junit(verdict))
    if files.markdown or files.step_summary:
        from plugsmith.report.markdown import to_markdown

        text = to_markdown(verdict)
        if files.markdown:
            write(files.markdown, text)
        if files.step_summary:
            try:
                with open(files.step_summary, "a", encoding="utf-8") as handle:
                    handle.write(text)
            except OSError as exc:
                print(f"plugsmith: warning: GITHUB_STEP_SUMMARY={files.step_summary}: cannot append: "
                      f"{exc.strerror or exc}", file=sys.stderr)
    if files.html:
        from plugsmith.report.html_report import to_html

        write(files.html, to_html(verdict))
    if files.sha256sums or files.provenance:
        write_provenance(verdict, found, sums=files.sha256sums, manifest_path=files.provenance, contract=contract)


def step_summary() -> Path | None:
    value = os.environ.get("GITHUB_STEP_SUMMARY")
    return Path(value) if value else None


def write_provenance(verdict: Verdict | None, found: ArtifactSet, *, sums: Path | None, manifest_path: Path | None,
                     contract: Path | None) -> None:
    from plugsmith import provenance

    entries = shipped_entries(found)
    if sums:
        write(sums, provenance.sha256sums(entries))
    if manifest_path:
        slices: dict[str, list[dict[str, Any]]] = {}
        for t in verdict.targets if verdict is not None else ():
            slices.setdefault(str(t.artifact), []).append(
                {"plugin": t.plugin, "target": t.target, "arch": t.arch, "format": t.format,
                 "exported": len(t.exported), "ok": t.ok})
        data = provenance.statement(entries, slices=slices, records=build_records(found), contract=contract,
                                    zig_version=_zig_version())
        write(manifest_path, json.dumps(data, indent=2) + "\n")


def build_records(found: ArtifactSet) -> dict[str, tuple[str, dict[str, Any]]]:
    """Artifact display name -> (its record's display name, the record), for artifacts with one beside them."""
    from plugsmith import provenance

    return {f.display: (f"{f.display}.build.json", provenance.read_record(f.record, f"{f.display}.build.json"))
            for f in found.files if f.record is not None}


def shipped_entries(found: ArtifactSet) -> list[Entry]:
    """Every shipped file of ``found`` hashed (``provenance.Entry``), with its kind."""
    from plugsmith import provenance

    return provenance.entries(((f.display, f.path) for f in found.files),
                              kinds={f.display: f.kind for f in found.files},
                              members=(f.display for f in found.files if f.container is not None))


def _zig_version() -> str | None:
    from plugsmith.engine import zig

    try:
        return zig.version()
    except (PlugsmithError, OSError):  # zig absent on a release machine: the manifest says so
        return None


__all__: Sequence[str] = ["ReportFiles", "build_records", "shipped_entries", "show", "step_summary", "write",
                          "write_files", "write_provenance"]
