"""What a script runs: its imports, found with `ast`, followed through the workspace modules it imports.

Everything that can execute counts, a lazy import inside a function included, except optional
imports: inside a `try:` whose handler catches ImportError (or ModuleNotFoundError, Exception, a
bare except), or under `if TYPE_CHECKING:`. What Windmill installs for a script is a narrower
reading (`windmill_deps`); `locks` checks the second covers the first.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import repo

_WORKSPACE_ROOTS = {"f", "u"}
_OPTIONAL_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
_STDLIB = set(sys.stdlib_module_names) | {"__future__"}


@dataclass(frozen=True)
class Import:
    module: str  # dotted name after `import` / `from` ("" for `from . import x`)
    names: tuple[str, ...]  # the names of a `from` import
    level: int  # leading dots of a relative import
    optional: bool
    line: int


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type
    if kinds is None:
        return True  # a bare except also makes the import optional
    elts = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
    return any(isinstance(e, ast.Name) and e.id in _OPTIONAL_ERRORS for e in elts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Collector(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[Import] = []
        self._optional = 0

    def visit_Try(self, node: ast.Try) -> None:
        optional = any(_catches_import_error(h) for h in node.handlers)
        self._optional += optional
        for stmt in node.body:
            self.visit(stmt)
        self._optional -= optional
        for stmt in [*node.handlers, *node.orelse, *node.finalbody]:
            self.visit(stmt)

    visit_TryStar = visit_Try  # type: ignore[assignment]

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for stmt in node.orelse:
                self.visit(stmt)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.found.append(Import(alias.name, (), 0, self._optional > 0, node.lineno))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        names = tuple(a.name for a in node.names)
        self.found.append(Import(node.module or "", names, node.level, self._optional > 0, node.lineno))


@lru_cache(maxsize=4096)
def _parse(path: Path, mtime_ns: int) -> tuple[Import, ...]:
    tree = ast.parse(path.read_bytes(), filename=str(path))
    collector = _Collector()
    collector.visit(tree)
    return tuple(collector.found)


def imports_of(path: Path) -> tuple[Import, ...]:
    return _parse(path, path.stat().st_mtime_ns)


@dataclass
class ImportClosure:
    """Third-party import roots of a script and of the workspace modules it reaches."""

    external: dict[str, str] = field(default_factory=dict)  # import root -> "file:line" of first use
    modules: list[Path] = field(default_factory=list)  # workspace modules reached (the script first)
    problems: list[str] = field(default_factory=list)


def _workspace_targets(root: Path, importer: Path, imp: Import) -> tuple[list[Path], str | None]:
    """The repo files a workspace import refers to, or a problem."""
    if imp.level:
        base = importer.parent
        for _ in range(imp.level - 1):
            base = base.parent
        parts = list(base.relative_to(root).parts) + (imp.module.split(".") if imp.module else [])
    else:
        parts = imp.module.split(".")
    dotted = ".".join(parts)
    if parts[0] == "u":
        return [], f"imports {dotted}: user-space scripts (u/...) are not part of the bundle"
    target = root.joinpath(*parts)
    if target.with_suffix(".py").is_file():
        return [target.with_suffix(".py")], None
    if target.is_dir():
        found = [target / f"{name}.py" for name in imp.names if (target / f"{name}.py").is_file()]
        return found, None
    return [], f"imports {dotted}, which is not a script in the repository"


def closure(root: Path, script: Path) -> ImportClosure:
    result = ImportClosure()
    queue, seen = [script], {script}
    while queue:
        module = queue.pop(0)
        result.modules.append(module)
        where = repo.rel(module, root)
        try:
            found = imports_of(module)
        except SyntaxError as exc:
            result.problems.append(f"{where}:{exc.lineno}: syntax error: {exc.msg}")
            continue
        for imp in found:
            head = imp.module.split(".")[0]
            if imp.level or head in _WORKSPACE_ROOTS:
                targets, problem = _workspace_targets(root, module, imp)
                if problem and not imp.optional:
                    result.problems.append(f"{where}:{imp.line}: {problem}")
                for target in targets:
                    if target not in seen:
                        seen.add(target)
                        queue.append(target)
            elif head not in _STDLIB and not imp.optional:
                result.external.setdefault(head, f"{where}:{imp.line}")
    return result
