"""What the CMake and Meson builders share: the job's wrappers and toolchain files, the build
tree's reset when its configuration changes, and finding the plugin the build linked."""

from __future__ import annotations

import shutil
from pathlib import Path

from plugsmith import toolchains
from plugsmith.engine import fingerprint
from plugsmith.engine.builders import Built, Context, find_tool, project_files, tool_identity, wrappers
from plugsmith.engine.zig import Result
from plugsmith.plan import Job

CONFIG_STAMP = "plugsmith-configure.txt"


class ProjectBuilder:
    """What CMake and Meson share of the :class:`~plugsmith.engine.builders.Builder` protocol:
    the tools they need (and may use), their identity, and the project folder as inputs."""

    name = ""
    tools: tuple[str, ...] = ()  # all needed
    optional_tools: tuple[str, ...] = ()  # used when found
    install_hint = ""

    def missing(self) -> str | None:
        return None if all(find_tool(tool) for tool in self.tools) else self.install_hint

    def identity(self) -> list[str]:
        return [tool_identity(path) for path in map(find_tool, (*self.tools, *self.optional_tools)) if path]

    def inputs(self, job: Job, skip: tuple[Path, ...]) -> list[Path]:
        assert job.plugin.project is not None  # a project builder's plugin always has one
        return project_files(job.plugin.project.source_dir, skip=skip)


def setup(ctx: Context, tree_name: str) -> tuple[wrappers.Wrappers, Path, str]:
    """Write the wrappers and toolchain files; return them, the build tree and the target name.
    A build tree configured with other settings (toolchain, options) is started afresh."""
    job = ctx.job
    project = job.plugin.project
    assert project is not None  # a project builder's plugin always has one (builder_config)
    target = project.target or job.plugin.name
    wrap = wrappers.write(job, map_path=ctx.map_path, root=ctx.root, target=target, timeout=ctx.timeout,
                          cache=ctx.runner.cache)
    texts = []
    for f in toolchains.build_system_files(job, wrap.folder):
        wrappers.write_if_changed(f.path, f.text)
        texts.append(f.text)
    tree = job.work_dir / tree_name
    stamp = fingerprint.digest([str(project.source_dir), *texts, *(f"{k}={v}" for k, v in project.options)])
    stamp_path = job.work_dir / CONFIG_STAMP
    try:
        same = stamp_path.read_text(encoding="utf-8").strip() == stamp
    except OSError:
        same = False
    if not same:
        shutil.rmtree(tree, ignore_errors=True)
        wrappers.write_if_changed(stamp_path, stamp + "\n")
    wrappers.clear_links(wrap.links_log)
    return wrap, tree, target


def checked(ctx: Context, res: Result | None, what: str) -> bool:
    """True when the command ran and succeeded; otherwise the job fails naming ``what``."""
    if res is None:
        return False
    if res.returncode != 0:
        from plugsmith.engine.engine import explain  # zig/lld messages in plugsmith's terms

        tool = Path(res.argv[0]).name
        ctx.steps.fail(f"{what} failed", res, hint=explain(res.output) or f"{tool} exit {res.returncode}, "
                       "its output is in the build.log")
        return False
    return True


def found(ctx: Context, wrap: wrappers.Wrappers, target: str, res: Result) -> Built | None:
    link = wrappers.plugin_output(wrap.links_log, target)
    if isinstance(link, str):
        ctx.steps.fail(link, res)
        return None
    return Built(library=link.output, import_library=link.import_library)
