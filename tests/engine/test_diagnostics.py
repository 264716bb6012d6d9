"""engine.DIAGNOSTICS and the zig-crash hint: each one provoked by a real zig link, and the exact
message plugsmith prints instead of lld's words (the job's own line, as ``plugsmith build`` shows it)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from build_helpers import CONTRACT, Project, build_api

from plugsmith.engine import engine

USES_NOWHERE = '#include "common.h"\nint nowhere(int x);\nint demo_b(int x) { return nowhere(x) * SCALE; }\n'

#: (target, what the contract adds, a source replaced, the exact failure message)
CASES = {
    "elf-contract-symbol": ("linux-x86_64", "demo_gone function\n", None,
                            "demo@linux-x86_64: link failed: contract symbol 'demo_gone' is not defined by any "
                            "source of this plugin"),
    "pe-contract-symbol": ("windows-x86_64", "demo_gone function\n", None,
                           "demo@windows-x86_64: link failed: contract symbol 'demo_gone' is not defined by any "
                           "source of this plugin"),
    "pe-undefined": ("windows-x86_64", "", USES_NOWHERE,
                     "demo@windows-x86_64: link failed: undefined symbol 'nowhere' (a contract symbol not defined "
                     "by the sources, or a missing library)"),
    "elf-undefined": ("linux-x86_64", "", USES_NOWHERE,
                      "demo@linux-x86_64: link failed: undefined symbol 'nowhere': the plugin uses a symbol nothing "
                      "defines (-z defs is on for Linux)"),
    "macho-undefined": ("macos-aarch64", "", USES_NOWHERE,
                        "demo@macos-aarch64: link failed: undefined symbol 'nowhere': the plugin uses a symbol "
                        "nothing defines"),
}


def failure_of(project: Project) -> str:
    run = build_api(project)
    assert not run.result.ok  # type: ignore[attr-defined]
    (failure,) = run.result.failures  # type: ignore[attr-defined]
    return str(failure.message)


@pytest.mark.slow  # a real link per case, on three formats
@pytest.mark.parametrize("case", list(CASES))
def test_each_diagnostic_replaces_lld_words(project_factory: Callable[..., Project], case: str) -> None:
    target, extra_symbol, source, message = CASES[case]
    project = project_factory(case, targets=(target,))
    project.write("demo.symbols", CONTRACT + extra_symbol)
    if source is not None:
        project.write("src/b.c", source)
    assert failure_of(project) == message
    assert not (project.dist / target).exists()


def test_every_diagnostic_row_has_a_case() -> None:
    """Five rows, five cases above: a new row needs its own real link that provokes it."""
    assert len(engine.DIAGNOSTICS) == len(CASES) == 5
    for (_, template), (_, _, _, message) in zip(engine.DIAGNOSTICS, CASES.values(), strict=True):
        assert message.endswith(": link failed: " + template.format(message.split("'")[1]))


@pytest.mark.slow
def test_unknown_linker_output_is_left_as_zigs_exit_code(project_factory: Callable[..., Project]) -> None:
    """Negative twin: a link error no row knows gets no hint, just zig's exit code and log."""
    project = project_factory("unknown", targets=("linux-x86_64",))
    project.extra_yaml = "overrides:\n  - select: '*'\n    ldflags: ['-Wl,--no-such-flag']\n"
    project.write_config()
    assert failure_of(project) == "demo@linux-x86_64: link failed (zig exit 1)"


@pytest.mark.slow
def test_a_macos_dylib_that_exports_nothing_crashes_zig_and_gets_the_hint(
        project_factory: Callable[..., Project]) -> None:
    """zig 0.17 segfaults (no output) linking a Mach-O dylib with no exported symbol at -O1 and up
    (plugsmith links without -O; a user's ldflags may add it)."""
    project = project_factory("empty-macos", targets=("macos-aarch64",))
    project.write("demo.symbols", "version 1\n[DEMO_1.0]\ndemo_a function only=linux\ndemo_b function only=linux\n")
    project.extra_yaml = "overrides:\n  - select: 'macos-*'\n    ldflags: [-O1]\n"
    project.write_config()
    assert failure_of(project) == (
        "demo@macos-aarch64: link failed: zig crashed (segmentation fault) with no output; zig 0.17 does this when "
        "linking a macOS dylib that exports nothing at -O1 or above: check the contract lists at least one symbol "
        "for this target")
