"""``builder: meson``: set up and compile the project's library target per target, with the job's
contract-applying zig wrappers in the cross file (Meson and Ninja, e.g. from PyPI).

Setup: ``meson setup --cross-file wrap/meson-cross.ini -Dbuildtype=release -DKEY=VALUE...
BUILD_DIR/<target>/<plugin>/meson SOURCE_DIR`` (``--reconfigure`` once the tree exists);
build: ``meson compile -C TREE TARGET``.
"""

from __future__ import annotations

import os
from pathlib import Path

from plugsmith.engine.builders import Built, Context, _project, find_tool

INSTALL_HINT = "meson/ninja not found: install them (pip install meson ninja)"


class Meson(_project.ProjectBuilder):
    name = "meson"
    tools = ("meson", "ninja")
    optional_tools = ()
    install_hint = INSTALL_HINT

    def build(self, ctx: Context) -> Built | None:
        meson = find_tool("meson")
        ninja = find_tool("ninja")
        assert meson is not None and ninja is not None and ctx.job.plugin.project is not None
        project = ctx.job.plugin.project
        wrap, tree, target = _project.setup(ctx, "meson")
        env = {"PATH": os.pathsep.join([str(Path(ninja).parent), os.environ.get("PATH", "")]),
               "NINJA": ninja}
        again = ["--reconfigure"] if (tree / "meson-private").is_dir() else []
        setup = [meson, "setup", *again, "--cross-file", str(wrap.folder / "meson-cross.ini"), "-Dbuildtype=release",
                 *(f"-D{key}={value}" for key, value in project.options), str(tree), str(project.source_dir)]
        if not _project.checked(ctx, ctx.run("meson setup", setup, env=env), "meson setup"):
            return None
        res = ctx.run(f"meson compile {target}", [meson, "compile", "-C", str(tree), target], env=env)
        if res is None or not _project.checked(ctx, res, f"meson compile {target}"):
            return None
        return _project.found(ctx, wrap, target, res)


BUILDER = Meson()
