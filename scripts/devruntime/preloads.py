"""What the fork server imports before it forks jobs, and when.

The common libraries at start; the bundle's modules and the light libraries when idle; a group of
heavy libraries (the model SDKs, the chart library) only once a job has imported it, and from then
on (a restarted fork server starts with the groups the runtime has seen used). A bundle module that
imports a group's library at its top is preloaded with that group.

Why: the kernel's work to fork a job's process and to end it grows with the fork server's memory.
Measured on 2 cores: 11-12 ms a job from a server holding 60 MiB, 17 ms from one holding 139 MiB
with the model SDKs and matplotlib, which an offline request never imports (the bundle imports them
only where a model is called or a chart drawn); preloading the groups costs 2.5 s of CPU in every
runtime that starts. A Windmill worker has no fork server: each job's interpreter imports what its
script imports (https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/python_executor.rs).

A stage item is a module name, or GROUP_MARK + a group's name (expanded where it is preloaded).
"""

from __future__ import annotations

import re
from pathlib import Path

GROUP_MARK = "@"

# A module-level import (column 0; an import inside a function happens only when it runs).
_TOP_IMPORT_RE = re.compile(
    r"^(?:from\s+([\w.]+)\s+import\s+(?:\(([\w\s,]*)\)|([\w \t,]+))|import\s+([\w.]+))", re.M
)


def parse_groups(text: str) -> dict[str, list[str]]:
    """Parse "models=anthropic,agno.agent;charts=matplotlib.pyplot" into {group: modules}."""
    groups: dict[str, list[str]] = {}
    for part in text.split(";"):
        name, _, modules = part.partition("=")
        names = [m.strip() for m in modules.split(",") if m.strip()]
        if name.strip() and names:
            groups[name.strip()] = names
    return groups


def group_of_package(groups: dict[str, list[str]]) -> dict[str, str]:
    """Each group's top-level packages -> the group (what a job that imported one needs)."""
    return {module.split(".", 1)[0]: group for group, modules in groups.items() for module in modules}


def _imports(file: Path) -> set[str]:
    try:
        text = file.read_text(encoding="utf-8")
    except OSError:
        return set()
    found: set[str] = set()
    for source, listed, names, plain in _TOP_IMPORT_RE.findall(text):
        if plain:
            found.add(plain)
            continue
        found.add(source)
        # `from f.x import y`: y may be a module of its own
        found.update(f"{source}.{n.split()[0]}" for n in (listed or names).split(",") if n.strip())
    return found


def bundle_groups(root: Path, modules: list[str], groups: dict[str, list[str]]) -> dict[str, str]:
    """The bundle modules that import a group's library at their top, directly or through another
    bundle module, -> that group."""
    packages = group_of_package(groups)
    imports = {m: _imports(root / (m.replace(".", "/") + ".py")) for m in modules}
    heavy: dict[str, str] = {}
    changed = True
    while changed:  # the closure over the bundle's own imports
        changed = False
        for module, names in imports.items():
            if module in heavy:
                continue
            for name in names:
                group = heavy.get(name) or packages.get(name.split(".", 1)[0])
                if group is not None:
                    heavy[module] = group
                    changed = True
                    break
    return heavy
