"""The ecosystem's own verdict on the corpus wheels, as recorded in corpus.yaml.

``python tests/realworld/ecosystem.py`` runs ``auditwheel show`` on every Linux wheel and
``delvewheel show`` on every Windows wheel of the (fetched) corpus and prints, per wheel, the
``auditwheel:``/``delvewheel:`` mapping that corpus.yaml records. Both run offline on Linux.
delocate's ``delocate-listdeps`` does not: it shells out to ``otool`` (macOS only), so the macOS
wheels have no such record. The tools are not test dependencies: this is how the recorded values
were obtained, to be rerun by hand when the corpus changes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.realworld.corpus import CorpusFile, fetch, load

TOOL_TIMEOUT = 300
_TAG = re.compile(r'consistent with the following platform tag: "([^"]+)"')
_VERSIONED = re.compile(r"(\S+) with versions \{([^}]*)\}")
_EXTERNAL = re.compile(r"The following external shared libraries are required by the wheel: (\{.*?\})")


def _run(args: list[str]) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=TOOL_TIMEOUT, check=False)
    return done.stdout + done.stderr


def auditwheel_show(wheel: Path) -> dict[str, object]:
    """The platform tag auditwheel finds the wheel consistent with, and the system libraries
    (with the symbol versions used) it accepts; ``external_libraries`` is [] when it says the wheel
    needs none, None when it says nothing about them."""
    tool = shutil.which("auditwheel") or str(Path(sys.executable).with_name("auditwheel"))
    text = " ".join(_run([tool, "show", str(wheel)]).split())
    tag = _TAG.search(text)
    versioned = {lib: sorted(v.strip().strip("'") for v in versions.split(",") if v.strip())
                 for lib, versions in _VERSIONED.findall(text)}
    external: list[str] | None = None
    if "requires no external shared libraries" in text:
        external = []
    elif found := _EXTERNAL.search(text):
        external = sorted(yaml.safe_load(found.group(1)))
    return {"platform_tag": tag.group(1) if tag else None,
            "system_libraries": dict(sorted(versioned.items())),
            "external_libraries": external}


def delvewheel_show(wheel: Path) -> dict[str, object]:
    """What delvewheel would copy into the wheel and what it assumes Windows (or Python) provides.
    It analyses Python extension modules only, not ctypes-loaded DLLs."""
    tool = shutil.which("delvewheel") or str(Path(sys.executable).with_name("delvewheel"))
    lines = _run([tool, "show", str(wheel)]).splitlines()
    result: dict[str, object] = {}
    section: str | None = None
    for line in lines:
        if line.startswith("The following DLLs will be copied"):
            section = "copied"
        elif line.startswith("The following DLLs are assumed to be present"):
            section = "assumed_present"
        elif "has already repaired this wheel" in line:
            result["already_repaired_by"] = line.split(" has already")[0].strip()
        elif line.startswith("    ") and section:
            names = result.setdefault(section, [])
            if line.strip() != "None" and isinstance(names, list):
                names.append(line.strip())
    return result


def verdict(file: CorpusFile, wheel: Path) -> dict[str, object]:
    platforms = file.tags[2]
    if any("linux" in p for p in platforms):
        return {"auditwheel": auditwheel_show(wheel)}
    if any(p.startswith("win") for p in platforms):
        return {"delvewheel": delvewheel_show(wheel)}
    return {}


def main() -> int:
    corpus = load()
    paths = fetch(corpus)
    for file in corpus.files:
        found = verdict(file, paths[file.name])
        if found:
            print(f"# {file.name}")
            print(yaml.safe_dump(found, sort_keys=False, default_flow_style=None, width=110))
    return 0


if __name__ == "__main__":
    sys.exit(main())
