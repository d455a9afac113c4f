"""Locks for the code the builder writes: every import pinned to the version the platform runs.

Windmill installs a Python script's requirements from its `lock` (one `name==version` a line after a
`# py: <version>` header, as the bundle's own `.script.lock` files), and computes one at deploy when
none is given: from the top-level imports above main's definition only
(https://github.com/windmill-labs/windmill/blob/main/backend/parsers/windmill-parser-py-imports/src/lib.rs).
Code written by the model or a template gets its lock here, from the packages installed where the
builder runs (the versions the platform's own locks pin), so it runs with what it was checked
against; an import that is not installed here is refused before anything is created.
"""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import sys

from packaging.requirements import InvalidRequirement, Requirement

from f.openanalyst.lib.builder.paths import BuildError

WORKSPACE_ROOTS = ("f", "u")


def top_level_imports(content: str) -> list[str]:
    """The root modules a script imports at top level, above its `main` (what Windmill installs)."""
    try:
        tree = ast.parse(content)
    except SyntaxError as exc:
        raise BuildError(f"the Python code does not parse: line {exc.lineno}: {exc.msg}") from exc
    roots: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "main":
            break
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom) and not node.level
            else []
        )
        roots += [n.split(".", 1)[0] for n in names if n]
    return list(
        dict.fromkeys(r for r in roots if r not in sys.stdlib_module_names and r not in WORKSPACE_ROOTS)
    )


def _distribution(module: str) -> str:
    found = metadata.packages_distributions().get(module) or []
    if not found:
        raise BuildError(
            f"the code imports {module!r}, which is not available here; use the standard library, "
            "httpx or wmill"
        )
    return found[0]


def _closure(names: list[str]) -> dict[str, str]:
    """Each distribution and what it requires (markers read for this interpreter, no extras)."""
    pinned: dict[str, str] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in pinned:
            continue
        try:
            pinned[key] = metadata.version(name)
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # an optional dependency not installed here: not needed by what is
        for line in requires:
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return pinned


def lock_for(content: str) -> str:
    """The script's lock: `# py: <major.minor>` then `name==version` for each import and what it needs."""
    pinned = _closure([_distribution(m) for m in top_level_imports(content)])
    header = f"# py: {sys.version_info.major}.{sys.version_info.minor}"
    return "\n".join([header, *(f"{k}=={v}" for k, v in sorted(pinned.items()))]) + "\n"


def check_typed_main(content: str) -> None:
    """Every argument of `main` is annotated, so Windmill builds its form with the right types."""
    tree = ast.parse(content)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "main":
            untyped = [a.arg for a in [*node.args.args, *node.args.kwonlyargs] if a.annotation is None]
            if untyped or node.args.vararg or node.args.kwarg:
                what = ", ".join(untyped) or "*args/**kwargs"
                raise BuildError(
                    f"main() needs a type for every argument (untyped: {what}), e.g. `name: str`"
                )
            return
