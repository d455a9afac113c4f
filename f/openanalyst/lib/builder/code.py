"""What the code a person writes may import: read from its syntax tree, never matched by a pattern.

Windmill resolves a Python import of workspace code (`import u.bob.scripts.x`, `from f.folder.x
import y`, or relative `from .x import y`) to the script at that path and runs it in the importing
job (https://github.com/windmill-labs/windmill/tree/main/backend/parsers/windmill-parser-py-imports).
Every such import must name the owner's own folder or the shared modules a person may import
(`paths.check_reference`). Imports chosen at run time (`__import__`, `importlib`, `exec`, `eval`)
would escape that reading, so they are refused. This is a check of what the builder creates, not a
sandbox: the code still runs as its owner, with only the owner's rights (`owner.py`).
"""

from __future__ import annotations

import ast
import re

from f.openanalyst.lib.builder.paths import BuildError, check_reference

# Modules and built-ins that import or run code chosen at run time.
DYNAMIC_MODULES = frozenset({"importlib", "imp", "runpy", "pkgutil", "zipimport", "builtins"})
DYNAMIC_CALLS = frozenset({"__import__", "import_module", "exec", "eval", "compile", "execfile"})
# Names that reach the import machinery without calling it by name.
DYNAMIC_NAMES = frozenset({"__import__", "__builtins__", "__loader__", "__spec__"})
WORKSPACE_ROOTS = ("u", "f")
_TS_IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'`]([^"'`]+)["'`]""")


def _module_path(module: str) -> str:
    return module.replace(".", "/")


def _resolve_relative(item_path: str, level: int, module: str | None) -> str:
    """`from .x import y` in `u/bob/scripts/a`: the module relative to the script's folder."""
    folder = item_path.split("/")[:-1]
    if level - 1 > len(folder):
        return ""
    base = folder[: len(folder) - (level - 1)]
    return "/".join([*base, *(module.split(".") if module else [])])


def _refuse_dynamic(where: str, what: str) -> None:
    raise BuildError(
        f"{where}: {what} imports or runs code chosen at run time, which is not allowed; "
        "import what you need at the top of the script (e.g. `import requests`)"
    )


def check_python(owner: str, content: str, item_path: str, where: str = "the script") -> None:
    """Refuse imports of another person's code or the platform's internals, and dynamic imports."""
    try:
        tree = ast.parse(content)
    except SyntaxError as exc:
        raise BuildError(f"{where}: the Python code does not parse: line {exc.lineno}: {exc.msg}") from exc
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                _check_module(owner, alias.name, where)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                target = _resolve_relative(item_path, node.level, node.module)
                check_reference(owner, target or "/", f"{where}: relative import", importing=True)
                continue
            _check_module(owner, node.module or "", where)
            if node.module in WORKSPACE_ROOTS or node.module == "f.openanalyst":
                for alias in node.names:  # `from u import alice` imports the folder u/alice
                    _check_module(owner, f"{node.module}.{alias.name}", where)
        elif isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            if name in DYNAMIC_CALLS:
                _refuse_dynamic(where, f"`{name}(...)`")
        elif isinstance(node, ast.Name | ast.Attribute):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if name in DYNAMIC_NAMES:
                _refuse_dynamic(where, f"`{name}`")
        elif isinstance(node, ast.Constant) and node.value in DYNAMIC_NAMES:
            _refuse_dynamic(where, f"`{node.value}`")


def _check_module(owner: str, module: str, where: str) -> None:
    root = module.split(".", 1)[0]
    if root in DYNAMIC_MODULES:
        _refuse_dynamic(where, f"`import {module}`")
    if root in WORKSPACE_ROOTS and "." in module:
        check_reference(owner, _module_path(module), f"{where}: import {module}", importing=True)
    elif root in WORKSPACE_ROOTS:
        raise BuildError(
            f"{where}: `import {module}` names a whole workspace root; import a script by its path"
        )


def check_typescript(owner: str, content: str, where: str = "the script") -> None:
    """TypeScript (bun, deno): imports of workspace paths (`/u/x/...`, `/f/...`) follow the same rule;
    `import()` with a computed argument is refused."""
    if re.search(r"\bimport\s*\(\s*[^\"'`\s]", content):
        _refuse_dynamic(where, "`import(...)` of a computed name")
    for spec in _TS_IMPORT.findall(content):
        path = spec.removeprefix("/")
        if path.split("/", 1)[0] in WORKSPACE_ROOTS and spec.startswith("/"):
            check_reference(owner, path, f"{where}: import {spec}", importing=True)


def check_code(owner: str, content: str, language: str, item_path: str, where: str = "the script") -> None:
    """The import rule for code in `language` (other languages import no workspace code)."""
    if language == "python3":
        check_python(owner, content, item_path, where)
    elif language in ("bun", "deno", "nativets"):
        check_typescript(owner, content, where)
