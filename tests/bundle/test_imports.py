"""Every .py under f/ imports cleanly with the repository root on sys.path; no module imports itself back."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

from scripts.bundle_tools import checks

from .conftest import WriteFile


def test_every_module_under_f_imports(repo_root: Path) -> None:
    assert checks.importable(repo_root) == []


def test_broken_modules_fail(mini_repo: Path, write: WriteFile) -> None:
    assert checks.importable(mini_repo) == []
    write("f/openanalyst/missing_dep.py", "import surely_not_a_package\n")
    write("f/openanalyst/lib/explodes.py", "raise RuntimeError('needs a server at import time')\n")
    write("f/openanalyst/uses_lib.py", "from f.openanalyst.lib.users import no_such_name\n")
    write("f/openanalyst/step__flow/inline.py", "def main(:\n")
    problems = checks.importable(mini_repo)
    assert len(problems) == 4, problems
    text = "\n".join(problems)
    assert "f/openanalyst/missing_dep.py: does not import: ModuleNotFoundError" in text
    assert (
        "f/openanalyst/lib/explodes.py: does not import: RuntimeError: needs a server at import time" in text
    )
    assert (
        "f/openanalyst/uses_lib.py: does not import: ImportError: cannot import name 'no_such_name'" in text
    )
    assert "f/openanalyst/step__flow/inline.py: does not import: SyntaxError" in text


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """module -> the project modules it imports, anywhere in its body (a function-level import is
    still an edge: it only hides a cycle) except under `if TYPE_CHECKING:`."""
    files = [p for package in packages for p in (root / package).rglob("*.py")]
    names = {".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): p for p in files}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                node.body = []
        imported: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module)
                imported.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[name] = {m for m in imported if m in names and m != name}
    return graph


def test_no_import_cycle(repo_root: Path) -> None:
    """Every import points down: a cycle (even through a function-level import) fails here."""
    graph = import_graph(repo_root, ("f", "hub", "scripts"))
    assert len(graph) > 100
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError naming the cycle


def test_a_cycle_is_found(tmp_path: Path) -> None:
    (tmp_path / "hub").mkdir()
    (tmp_path / "hub" / "a.py").write_text("from hub.b import x\n")
    (tmp_path / "hub" / "b.py").write_text("def x():\n    from hub import a\n")
    (tmp_path / "hub" / "__init__.py").write_text("")
    with pytest.raises(graphlib.CycleError):
        graphlib.TopologicalSorter(import_graph(tmp_path, ("hub",))).prepare()
