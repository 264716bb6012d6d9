"""``builder: cmake``: configure and build the project's library target per target, with the job's
contract-applying zig wrappers as compilers (CMake 3.21+; Ninja when installed, else Makefiles).

Configure: ``cmake -S SOURCE_DIR -B BUILD_DIR/<target>/<plugin>/cmake -DCMAKE_TOOLCHAIN_FILE=...
-DCMAKE_BUILD_TYPE=Release -DKEY=VALUE...``; build: ``cmake --build TREE --target TARGET``. The
toolchain file is ``plugsmith toolchains``' (the Darwin @rpath and -dynamiclib overrides, the rc
compiler), naming the job's wrappers.
"""

from __future__ import annotations

from plugsmith.engine.builders import Built, Context, _project, find_tool

INSTALL_HINT = "cmake not found on PATH: install CMake 3.21 or newer (apt-get install cmake, or pip install cmake)"


class CMake(_project.ProjectBuilder):
    name = "cmake"
    tools = ("cmake",)
    optional_tools = ("ninja",)
    install_hint = INSTALL_HINT

    def build(self, ctx: Context) -> Built | None:
        cmake = find_tool("cmake")
        ninja = find_tool("ninja")
        assert cmake is not None and ctx.job.plugin.project is not None  # builders.require checked
        project = ctx.job.plugin.project
        wrap, tree, target = _project.setup(ctx, "cmake")
        generator = ["-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={ninja}"] if ninja else []
        configure = [cmake, "-S", str(project.source_dir), "-B", str(tree), *generator,
                     f"-DCMAKE_TOOLCHAIN_FILE={wrap.folder / 'toolchain.cmake'}", "-DCMAKE_BUILD_TYPE=Release",
                     *(f"-D{key}={value}" for key, value in project.options)]
        if not _project.checked(ctx, ctx.run("cmake configure", configure), "cmake configure"):
            return None
        res = ctx.run(f"cmake build {target}", [cmake, "--build", str(tree), "--target", target])
        if res is None or not _project.checked(ctx, res, f"cmake --build --target {target}"):
            return None
        return _project.found(ctx, wrap, target, res)


BUILDER = CMake()
