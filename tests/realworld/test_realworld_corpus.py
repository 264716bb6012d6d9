"""The corpus specification and its fetcher: pinned hashes enforced, cache reused, bad specs rejected."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from tests.realworld.conftest import CORPUS
from tests.realworld.corpus import Corpus, CorpusError, CorpusFile, Project, cache_dir, fetch, load, pip_download_args

SMALL = next(f for f in CORPUS.files if f.name == "markupsafe-3.0.3-cp312-cp312-win_arm64.whl")


def _one(file: CorpusFile) -> Corpus:
    return Corpus(projects=(Project(name=file.project, version=file.version, covers=(), files=(file,),
                                    libraries=()),))


def test_corpus_size_and_coverage() -> None:
    assert len(CORPUS.projects) >= 10
    assert len(CORPUS.members) >= 40
    assert sum(f.size for f in CORPUS.files) < 120_000_000
    covered = {c for p in CORPUS.projects for c in p.covers}
    assert {"extension_module", "abi3_extension", "ctypes_library", "versioned_file_names", "variant_builds",
            "msvc_runtime_imports", "vendored_auditwheel", "vendored_delocate", "vendored_delvewheel",
            "platform_specific_exports"} <= covered


def test_cache_is_outside_the_repository(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PLUGSMITH_CORPUS_CACHE", raising=False)
    assert cache_dir() == Path.home() / ".cache" / "plugsmith" / "corpus"
    monkeypatch.setenv("PLUGSMITH_CORPUS_CACHE", str(tmp_path))
    assert cache_dir() == tmp_path


def test_pip_arguments_pin_the_exact_file(tmp_path: Path) -> None:
    args = pip_download_args(SMALL, tmp_path)
    assert args[3:] == ["download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check", "--quiet",
                        "--dest", str(tmp_path), "--platform", "win_arm64", "--implementation", "cp",
                        "--python-version", "312", "--abi", "cp312", "markupsafe==3.0.3"]


def test_cached_file_is_reused_without_pip(corpus_wheels: dict[str, Path], tmp_path: Path) -> None:
    """A correct cached copy is used as is: the project name is bogus, so any pip call would fail."""
    shutil.copy2(corpus_wheels[SMALL.name], tmp_path / SMALL.name)
    bogus = CorpusFile(project="no-such-project-plugsmith", version="0", name=SMALL.name, sha256=SMALL.sha256,
                       size=SMALL.size)
    started = time.monotonic()
    assert fetch(_one(bogus), tmp_path) == {SMALL.name: tmp_path / SMALL.name}
    assert time.monotonic() - started < 5


def test_sha256_mismatch_is_an_error_and_removes_the_file(corpus_wheels: dict[str, Path], tmp_path: Path) -> None:
    wrong = CorpusFile(project=SMALL.project, version=SMALL.version, name=SMALL.name, sha256="0" * 64,
                       size=SMALL.size)
    with pytest.raises(CorpusError) as info:
        fetch(_one(wrong), tmp_path)
    assert str(info.value) == (f"{SMALL.name}: sha256 mismatch: expected {'0' * 64}, downloaded {SMALL.sha256}; "
                               "removed")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_corrupt_cached_copy_is_fetched_again(corpus_wheels: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / SMALL.name).write_bytes(b"not a wheel")
    assert fetch(_one(SMALL), tmp_path) == {SMALL.name: tmp_path / SMALL.name}
    assert (tmp_path / SMALL.name).read_bytes() == corpus_wheels[SMALL.name].read_bytes()


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("path: glfw/glfw3.dll}\n          - {wheel: glfw-2.11.0-py3-none-win_arm64.whl",
                         "path: glfw/glfw3.dll}\n          - {wheel: glfw-2.11.0-py2.py3-none-win_amd64.whl", 1),
     "corpus.yaml: member glfw-2.11.0-py2.py3-none-win_amd64.whl!glfw/glfw3.dll is listed twice"),
    (lambda t: t.replace("role: vendored", "role: plugin", 1),
     "corpus.yaml: projects[0].libraries[1].role: 'plugin' is not one of ['extension', 'library', 'vendored']"),
    (lambda t: t.replace("{wheel: soundfile-0.13.1-py2.py3-none-win_amd64.whl",
                         "{wheel: soundfile-0.13.1-py2.py3-none-win_arm64.whl", 1),
     "corpus.yaml: projects[1].libraries[0].members[4]: wheel soundfile-0.13.1-py2.py3-none-win_arm64.whl is not "
     "among soundfile's files"),
])
def test_bad_specification_is_rejected(tmp_path: Path, edit: object, message: str) -> None:
    source = Path(__file__).with_name("corpus.yaml").read_text(encoding="utf-8")
    changed = edit(source)  # type: ignore[operator]
    assert changed != source
    (tmp_path / "corpus.yaml").write_text(changed, encoding="utf-8")
    with pytest.raises(CorpusError) as info:
        load(tmp_path / "corpus.yaml")
    assert str(info.value) == message


def test_glfw_platform_only_exports_match_llvm() -> None:
    """corpus.yaml's platform_only_exports for glfw are what LLVM reads (truth.json), exactly."""
    import json

    import yaml
    from tests.realworld.truth import TRUTH_JSON

    spec = yaml.safe_load(Path(__file__).with_name("corpus.yaml").read_text(encoding="utf-8"))
    expected = spec["projects"][0]["libraries"][0]["platform_only_exports"]
    entries = [e for e in json.loads(TRUTH_JSON.read_text(encoding="utf-8"))["libraries"]
               if e["wheel"].startswith("glfw-") and e["member"] != "glfw/msvcr120.dll"]
    names = {(e["wheel"], e["member"]): {x.split("@")[0] for x in e["exports"]} for e in entries}
    common = set.intersection(*names.values())

    def label(wheel: str, member: str) -> str:
        if "macosx" in wheel:
            return "macos"
        if "win" in wheel:
            return "windows"
        return "linux-x11" if "/x11/" in member else "linux-wayland"

    assert len(names) == 8
    assert {k: sorted(v - common) for k, v in names.items()} == {k: expected[label(*k)] for k in names}
